# The city of the city tests (tests/cli/city_test.sh, tests/web/city_web_test.sh):
# a city node wuhan, two district hubs (qiaokou, jianghan) certified by the
# city from their request files, two communities each certified by their
# hub from theirs, with 10 days of sample records. Source after tap.sh and
# daemon.sh, with LINLI, T, a v() that runs linli into $T/out and
# $T/err, and `declare -A KEY`.
QK="shihua chuanchang"
JH="changhongli tangjia"
declare -A DIST=([shihua]=qiaokou [chuanchang]=qiaokou [changhongli]=jianghan [tangjia]=jianghan)
for n in city qiaokou jianghan $QK $JH; do PORT[$n]=$(free_port); done

# same SCOPE A B...: every node's digest of SCOPE is A's, within 60 s
same() {
  local s=$1 a=$2 i n want got
  shift 2
  for i in $(seq 1 300); do
    want=$("$LINLI" digest --data "$T/$a" --scope "$s" 2>/dev/null) || want=x
    got=1
    for n in "$@"; do
      [[ $("$LINLI" digest --data "$T/$n" --scope "$s" 2>/dev/null) == "$want" ]] || got=0
    done
    [[ $got -eq 1 && $want != x ]] && return
    sleep 0.2
  done
  die "scope $s: $a and $* did not converge"
}

# city_init LINES: the city node, LINES appended to its linlid.conf; CITY its key
city_init() {
  v init --data "$T/city" --city wuhan --hub self --listen "tcp://127.0.0.1:${PORT[city]}"
  CITY=$(cat "$T/out")
  printf '%s\n' "$1" >>"$T/city/linlid.conf"
}

# city_hubs LINES: the two hubs, enrolled at the city, LINES appended to
# their linlid.conf (after their peer line to the city)
city_hubs() {
  local d
  for d in qiaokou jianghan; do
    v init --data "$T/$d" --community "$d" --district "$d" --hub self --city wuhan --city-key "$CITY" \
      --listen "tcp://127.0.0.1:${PORT[$d]}"
    KEY[$d]=$(cat "$T/out")
    printf 'peer city tcp://127.0.0.1:%s %s\n%s\n' "${PORT[city]}" "$CITY" "$1" >>"$T/$d/linlid.conf"
    v enroll --data "$T/city" "$T/$d/enroll-request.txt" --out "$T"
    grep -q "as the hub of district $d" "$T/err" || die "enroll of hub $d at the city: $(cat "$T/err")"
    v import-cert --data "$T/$d" "$T/cert-$d-${KEY[$d]:0:8}.op"
  done
}

# city_communities: the four communities, enrolled at their hubs, with sample data
city_communities() {
  local c d
  for c in $QK $JH; do
    d=${DIST[$c]}
    v init --data "$T/$c" --community "$c" --district "$d" --hub "${KEY[$d]}" --city wuhan \
      --city-key "$CITY" --hub-addr "tcp://127.0.0.1:${PORT[$d]}" --listen "tcp://127.0.0.1:${PORT[$c]}"
    KEY[$c]=$(cat "$T/out")
    echo 'sync_interval_ms 500' >>"$T/$c/linlid.conf"
    v enroll --data "$T/$d" "$T/$c/enroll-request.txt" --out "$T"
    v import-cert --data "$T/$c" "$T/cert-$c-${KEY[$c]:0:8}.op"
    v sample --data "$T/$c" --days 10 "$T/$c.sample"
    v import --data "$T/$c" "$T/$c.sample"
  done
}
