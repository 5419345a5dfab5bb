# The fuzz targets (tests/fuzz/<target>.c), for the libFuzzer build
# (tests/fuzz/CMakeLists.txt) and the replay test (replay/CMakeLists.txt),
# and what each needs beyond linli_fuzz_common (crdt and net).
set(FUZZ_TARGETS fuzz_apply fuzz_bundle fuzz_config fuzz_control fuzz_csv fuzz_items fuzz_mp fuzz_msg fuzz_op fuzz_recon fuzz_seal fuzz_sealed fuzz_tz fuzz_web fuzz_events fuzz_summary)
set(FUZZ_LIBS_fuzz_bundle linli_node linli_domain)
set(FUZZ_LIBS_fuzz_csv linli_domain)
set(FUZZ_LIBS_fuzz_items linli_domain)
set(FUZZ_LIBS_fuzz_seal linli_node)
set(FUZZ_LIBS_fuzz_sealed linli_domain)
set(FUZZ_LIBS_fuzz_config linli_daemon)
set(FUZZ_LIBS_fuzz_control linli_daemon)
set(FUZZ_LIBS_fuzz_tz linli_domain)
set(FUZZ_LIBS_fuzz_summary linli_domain)
set(FUZZ_LIBS_fuzz_web linli_web)
set(FUZZ_LIBS_fuzz_events linli_daemon)
