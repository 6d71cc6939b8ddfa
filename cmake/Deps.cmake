# External libraries.  libetpan is linked statically: its shared object drags
# GnuTLS, libdb and more into every sendmail start (see docs/PERFORMANCE.md).
find_package(PkgConfig REQUIRED)
pkg_check_modules(OPENSSL REQUIRED IMPORTED_TARGET openssl)
pkg_check_modules(SASL REQUIRED IMPORTED_TARGET libsasl2)
if(OUTPOST_TESTS)
  pkg_check_modules(CHECK REQUIRED IMPORTED_TARGET check)
endif()

find_path(ETPAN_INCLUDE_DIR libetpan/libetpan.h REQUIRED)
find_library(ETPAN_STATIC NAMES libetpan.a REQUIRED)
add_library(etpan_static STATIC IMPORTED GLOBAL)
set_target_properties(etpan_static PROPERTIES
  IMPORTED_LOCATION ${ETPAN_STATIC}
  INTERFACE_INCLUDE_DIRECTORIES ${ETPAN_INCLUDE_DIR})
