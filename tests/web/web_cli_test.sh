#!/usr/bin/env bash
# The web console from the outside, without a browser:
#   1. linli user add|list|passwd|remove: the accounts file (mode 600,
#      Argon2id hashes), refusals, and the password read from a terminal
#      without echo (a pty) or from stdin;
#   2. linlid refuses a non-loopback http address without TLS, and a missing
#      certificate, with a sentence;
#   3. TLS (a self-signed certificate) on loopback: https answers, the
#      session cookie is Secure, plain http to it gets nothing, the log says
#      which;
#   4. off loopback (a network namespace joined by a veth pair, so the
#      client's address is not loopback): with http_plain_lan the log says
#      plain http; /metrics needs the bearer token there (none or a wrong one:
#      403), not on loopback.
#
#   web_cli_test.sh LINLI LINLID
# Needs root for the network namespace (CI runs as root); fails otherwise.
set -euo pipefail
LINLI=$1
LINLID=$2
PY=/usr/bin/python3
T=$(mktemp -d /tmp/linli-webcli-XXXXXX)
NS=lweb$$
VH=lwh$$
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
PIDS=()
FAILED=1

log() { echo "[$(date +%H:%M:%S)] $*"; }
die() {
  echo "FAIL: $*" >&2
  exit 1
}
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  ip link del "$VH" 2>/dev/null || true
  if [[ $FAILED -ne 0 ]]; then
    for f in "$T"/*.log; do
      [[ -f $f ]] && { echo "---- $f"; tail -n 30 "$f"; }
    done
  fi
  rm -rf "$T"
}
trap cleanup EXIT

node() { # NAME: a node without trust
  "$LINLI" init --data "$T/$1" --community "$1" >/dev/null 2>&1
}

start() { # NAME: starts linlid, waits for its http line, sets PORT
  "$LINLID" --data "$T/$1" 2>"$T/$1.log" &
  PIDS+=($!)
  for _ in $(seq 1 150); do
    PORT=$(sed -n 's/.*http listening on [^ ]*:\([0-9]*\) .*/\1/p' "$T/$1.log" | head -1)
    [[ -n $PORT ]] && return 0
    sleep 0.1
  done
  die "linlid $1 did not serve http: $(cat "$T/$1.log")"
}

# ---- 1. accounts ----
log "linli user"
node acc
F=$T/acc/web-users
printf 'pass-word-1\n' | "$LINLI" user add --data "$T/acc" ana --role clerk 2>/dev/null
[[ $(stat -c %a "$F") == 600 ]] || die "web-users is not mode 600"
grep -q '^ana clerk \$argon2id\$' "$F" || die "no Argon2id hash for ana"
grep -q 'pass-word-1' "$F" && die "the password is in the file"
set +e
printf 'pass-word-1\n' | "$LINLI" user add --data "$T/acc" ana --role viewer 2>"$T/err"
rc=$?
set -e
[[ $rc == 1 ]] && grep -q 'exists already' "$T/err" || die "a second ana: rc $rc $(cat "$T/err")"
for bad in "add --data $T/acc bo" "add --data $T/acc bo --role boss" "list --data $T/acc --role clerk"; do
  set +e
  printf 'pass-word-2\n' | "$LINLI" user $bad >/dev/null 2>&1
  rc=$?
  set -e
  [[ $rc == 2 ]] || die "linli user $bad: rc $rc, not 2"
done
set +e
printf 'short\n' | "$LINLI" user add --data "$T/acc" bo --role viewer 2>"$T/err"
rc=$?
printf 'pass-word-2\n' | "$LINLI" user add --data "$T/acc" 'b/o' --role viewer 2>/dev/null
rc2=$?
set -e
[[ $rc == 1 && $rc2 == 1 ]] || die "a short password or a bad name: rc $rc $rc2"
grep -q '8 to 256' "$T/err" || die "the short password is not explained: $(cat "$T/err")"
grep -q '^bo ' "$F" && die "bo was added with a short password"
old=$(grep '^ana ' "$F")
printf 'pass-word-3\n' | "$LINLI" user passwd --data "$T/acc" ana 2>/dev/null
[[ $(grep '^ana ' "$F") != "$old" ]] || die "passwd did not change the hash"
printf 'pass-word-4\n' | "$LINLI" user add --data "$T/acc" li.ming --role approver --pii 2>/dev/null
grep -q '^li.ming approver \$argon2id\$.* pii$' "$F" || die "--pii is not in the file: $(grep li.ming "$F")"
[[ $("$LINLI" user list --data "$T/acc" --json) == '[{"name":"ana","role":"clerk","pii":false},{"name":"li.ming","role":"approver","pii":true}]' ]] ||
  die "user list --json: $("$LINLI" user list --data "$T/acc" --json)"
"$LINLI" user list --data "$T/acc" | grep -q '^li.ming  *approver  *whole$' || die "user list"
"$LINLI" user remove --data "$T/acc" ana 2>/dev/null
grep -q '^ana ' "$F" && die "ana was not removed"
set +e
"$LINLI" user remove --data "$T/acc" ana 2>/dev/null
rc=$?
set -e
[[ $rc == 1 ]] || die "removing ana twice: rc $rc"
# the password from a terminal: prompted twice, not echoed
$PY - "$LINLI" "$T/acc" <<'EOF' || die "the terminal password prompt"
import os, pty, select, sys, time
linli, data = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(linli, [linli, "user", "add", "--data", data, "tty.user", "--role", "viewer"])
out = b""
def until(s):
    global out
    t = time.time() + 30
    while s not in out and time.time() < t:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                out += os.read(fd, 1024)
            except OSError:
                break
    return s in out
assert until(b"password: "), out
os.write(fd, b"tty-secret-9\n")
assert until(b"again: "), out
os.write(fd, b"tty-secret-9\n")
until(b"added as viewer")
_, st = os.waitpid(pid, 0)
assert os.WEXITSTATUS(st) == 0, (st, out)
assert b"tty-secret-9" not in out, out  # not echoed
EOF
grep -q '^tty.user viewer ' "$F" || die "the account typed at a terminal"

# ---- 2. refusals ----
log "linlid refuses a non-loopback address without TLS"
node lan
echo "http 0.0.0.0:0" >>"$T/lan/linlid.conf"
set +e
"$LINLID" --data "$T/lan" 2>"$T/lan-refused.log"
rc=$?
set -e
[[ $rc == 1 ]] && grep -q 'not a loopback address' "$T/lan-refused.log" ||
  die "non-loopback without TLS: rc $rc $(cat "$T/lan-refused.log")"
node miss
printf 'http 127.0.0.1:0\nhttp_cert %s/none.pem\nhttp_key %s/none.key\n' "$T" "$T" >>"$T/miss/linlid.conf"
set +e
"$LINLID" --data "$T/miss" 2>"$T/miss.log"
rc=$?
set -e
[[ $rc == 1 ]] && grep -q 'cannot read' "$T/miss.log" || die "a missing certificate: rc $rc $(cat "$T/miss.log")"

# ---- 3. TLS ----
log "TLS on loopback"
node tls
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls/key.pem" -out "$T/tls/cert.pem" -days 2 \
  -subj /CN=127.0.0.1 >/dev/null 2>&1 || die "openssl could not make a certificate"
chmod 600 "$T/tls/key.pem"
printf 'http 127.0.0.1:0\nhttp_cert %s\nhttp_key %s\n' "$T/tls/cert.pem" "$T/tls/key.pem" >>"$T/tls/linlid.conf"
printf 'tls-pass-1\n' | "$LINLI" user add --data "$T/tls" ana --role clerk 2>/dev/null
start tls
grep -q "http listening on 127.0.0.1:$PORT (https: TLS)" "$T/tls.log" || die "the log does not say TLS"
$PY - "$PORT" "$T/tls/cert.pem" <<'EOF' || die "https"
import re, ssl, sys, urllib.error, urllib.parse, urllib.request, http.client
port, cert = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=20)
c.request("GET", "/login")
r = c.getresponse()
body = r.read().decode()
assert r.status == 200, r.status
pre = r.getheader("Set-Cookie")
assert "; Secure" in pre and "HttpOnly" in pre and "SameSite=Strict" in pre, pre
tok = re.search(r"linli_l=([0-9a-f]{64})", pre).group(1)
csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', body).group(1)
c.request("POST", "/login", urllib.parse.urlencode({"csrf": csrf, "user": "ana", "password": "tls-pass-1"}),
          {"Content-Type": "application/x-www-form-urlencoded", "Cookie": "linli_l=" + tok})
r = c.getresponse()
r.read()
cookies = r.msg.get_all("Set-Cookie")
assert r.status == 303, r.status
assert any(x.startswith("linli_s=") and "; Secure" in x for x in cookies), cookies
# plain http to the TLS port is not served
p = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
try:
    p.request("GET", "/login")
    r = p.getresponse()
    assert r.status != 200, "plain http was served"
except (http.client.HTTPException, ConnectionError, OSError):
    pass
EOF

# ---- 4. off loopback: plain LAN, /metrics with a bearer token ----
log "off loopback through a network namespace"
[[ $(id -u) == 0 ]] || die "needs root for the network namespace (CI runs as root)"
ip netns add "$NS" || die "ip netns add failed"
ip link add "$VH" type veth peer name "${VH}n" || die "no veth"
ip link set "${VH}n" netns "$NS"
ip addr add 10.203.77.1/30 dev "$VH"
ip link set "$VH" up
ip netns exec "$NS" ip addr add 10.203.77.2/30 dev "${VH}n"
ip netns exec "$NS" ip link set "${VH}n" up
ip netns exec "$NS" ip link set lo up
node plain
TOKEN=metrics-token-0123456789
printf 'http 0.0.0.0:0\nhttp_plain_lan yes\nhttp_metrics_token %s\n' "$TOKEN" >>"$T/plain/linlid.conf"
start plain
grep -q "http listening on 0.0.0.0:$PORT (plain http off loopback: http_plain_lan yes, no TLS)" "$T/plain.log" ||
  die "the log does not say plain http off loopback: $(grep http "$T/plain.log")"
cat >"$T/get.py" <<'EOF'
import sys, urllib.request, urllib.error
from prometheus_client.parser import text_string_to_metric_families
url, token = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
req = urllib.request.Request(url)
if token:
    req.add_header("Authorization", "Bearer " + token)
try:
    r = urllib.request.urlopen(req, timeout=20)
    body = r.read().decode()
    names = [f.name for f in text_string_to_metric_families(body)]
    print(r.status, len(names))
except urllib.error.HTTPError as e:
    print(e.code, 0)
EOF
got=$(ip netns exec "$NS" $PY "$T/get.py" "http://10.203.77.1:$PORT/metrics")
[[ $got == "403 0" ]] || die "/metrics off loopback without a token: $got"
got=$(ip netns exec "$NS" $PY "$T/get.py" "http://10.203.77.1:$PORT/metrics" wrong-token-0123456789)
[[ $got == "403 0" ]] || die "/metrics off loopback with a wrong token: $got"
got=$(ip netns exec "$NS" $PY "$T/get.py" "http://10.203.77.1:$PORT/metrics" "$TOKEN")
[[ $got == "200 "* && ${got#200 } -gt 10 ]] || die "/metrics off loopback with the token: $got"
got=$($PY "$T/get.py" "http://127.0.0.1:$PORT/metrics")
[[ $got == "200 "* ]] || die "/metrics on loopback without a token: $got"
got=$(ip netns exec "$NS" $PY -c "import urllib.request; print(urllib.request.urlopen('http://10.203.77.1:$PORT/login', timeout=20).status)")
[[ $got == 200 ]] || die "the login page off loopback: $got"

FAILED=0
log "web_cli: all passed"
