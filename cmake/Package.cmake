# The Debian package, made by CPack from the install rules (cmake/Install.cmake):
#
#   cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr
#   cmake --build build-pkg && (cd build-pkg && cpack -G DEB)
#
# CPack rather than a debian/ directory: the install rules are then the one
# list of what goes where (cmake --install and the .deb cannot differ), the
# package is built from the same tree CI already builds, and no debhelper
# toolchain is needed.  dpkg-shlibdeps works out the library dependencies.
# The package provides no mail-transport-agent and installs no
# /usr/sbin/sendmail, so it sits next to any MTA.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME outpost)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Outpost developers <outpost@example.org>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A static front end carries this glibc and loads the installed one's
# gconv modules (iconv): pin the upstream version, not the Debian revision,
# so security updates of libc6 still install.
if(OUTPOST_STATIC_FRONTEND)
  execute_process(COMMAND getconf GNU_LIBC_VERSION OUTPUT_VARIABLE glibc_v
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(glibc_v MATCHES "^glibc ([0-9]+)\\.([0-9]+)")
    math(EXPR glibc_next "${CMAKE_MATCH_2} + 1")
    set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6 (>= ${CMAKE_MATCH_1}.${CMAKE_MATCH_2}), libc6 (<< ${CMAKE_MATCH_1}.${glibc_next})")
  endif()
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS ca-certificates)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "git-email, mutt")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "per-user sendmail with a durable spool and a list etiquette linter")
# The long description: CPack puts the summary first and indents each line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"Outpost takes mail from mutt or git send-email, checks it for
mailing-list etiquette (HTML, top-posting, untrimmed quotes, attached
patches, long lines, disclaimers), stores it durably in a private spool
and returns at once, online or not.  A queue runner delivers it to one
smarthost over verified TLS with SASL authentication, retrying while the
machine is offline.
.
It does not replace the system's MTA: the sendmail and mailq links live
in /usr/libexec/outpost/bin, to be put first on a user's PATH.")
# Stripped binaries (lintian); the unit's path is filled in with the
# configured prefix, so install under DESTDIR rather than a moved prefix.
set(CPACK_STRIP_FILES ON)
set(CPACK_SET_DESTDIR ON)
include(CPack)
