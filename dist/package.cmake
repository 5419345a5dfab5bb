# The .deb: `cpack -G DEB` in a build configured with
#   cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
#         -DLINLI_BUILD_TESTS=OFF -DLINLI_BUILD_BENCH=OFF
# holds what `cmake --install` puts in place, with maintainer scripts that
# make the user linli and /var/lib/linli (deb/postinst.in). dist/check-deb.sh
# builds and checks it in CI.
set(LINLI_PACKAGE_MAINTAINER "linli developers <linli@localhost>" CACHE STRING
    "The Maintainer field of the .deb")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME linli)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${LINLI_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "offline-first sync of neighbourhood records for epidemic control")
# The paths in the unit and the maintainer scripts are those of this build.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The long description; CPack puts the summary line before it and indents it.
set(CPACK_PACKAGE_DESCRIPTION
    "Each community office runs a node (linlid) that keeps households, residents,
health and gate checks, cases and supplies as Ed25519-signed CRDT ops in LMDB
and reconciles them over CURVE-encrypted ZeroMQ with its neighbours and the
district hub. Staff work through the linli command line, online or not.
.
The package installs linli, linlid, linli-sim, their man pages, and the
systemd unit linlid@.service (one node per /var/lib/linli/NAME, run as the
system user linli, which the package creates).")
# The libraries' packages from the binaries themselves (dpkg-shlibdeps);
# passwd for useradd where systemd-sysusers is missing.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "lmdb-utils")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_BINARY_DIR}/deb/postinst
    ${CMAKE_CURRENT_BINARY_DIR}/deb/prerm
    ${CMAKE_CURRENT_BINARY_DIR}/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
