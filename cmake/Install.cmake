# What `cmake --install` (and so the .deb) puts where, GNUInstallDirs
# relative to CMAKE_INSTALL_PREFIX, DESTDIR honoured:
#   bin/outpost                         the command
#   libexec/outpost/outpost-deliver     found by outpost relative to bin/
#   libexec/outpost/bin/{sendmail,mailq}  links to outpost, for a PATH entry
#                                       (never the system's /usr/sbin/sendmail)
#   share/man/man{1,5}/...              outpost(1), outpost-lint(1),
#                                       outpost.conf(5), gzip'ed
#   lib/systemd/user/outpost-relayd.service  with the installed path
#   share/bash-completion/completions/outpost
#   share/doc/outpost/                  README, docs, example config,
#                                       copyright, changelog.gz
include(GNUInstallDirs)

set(OUTPOST_LIBEXEC ${CMAKE_INSTALL_LIBEXECDIR}/outpost)
file(RELATIVE_PATH link_target ${CMAKE_INSTALL_FULL_LIBEXECDIR}/outpost/bin
  ${CMAKE_INSTALL_FULL_BINDIR}/outpost)

install(TARGETS outpost RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS outpost-deliver RUNTIME DESTINATION ${OUTPOST_LIBEXEC})

# Relative links made in the build tree and installed as links.
set(link_dir ${CMAKE_BINARY_DIR}/install-links)
file(MAKE_DIRECTORY ${link_dir})
foreach(link sendmail mailq)
  file(CREATE_LINK ${link_target} ${link_dir}/${link} SYMBOLIC)
  install(FILES ${link_dir}/${link} DESTINATION ${OUTPOST_LIBEXEC}/bin)
endforeach()

# Man pages (mdoc sources) and the changelog, installed compressed (-n: no
# time stamp, so the package is reproducible).
set(gz_files "")
function(outpost_gzip src dest)
  get_filename_component(name ${src} NAME)
  set(gz ${CMAKE_BINARY_DIR}/gz/${name}.gz)
  add_custom_command(OUTPUT ${gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/gz
    COMMAND gzip -9nc ${src} > ${gz}
    DEPENDS ${src} VERBATIM)
  install(FILES ${gz} DESTINATION ${dest})
  set(gz_files ${gz_files} ${gz} PARENT_SCOPE)
endfunction()
foreach(page outpost.1 outpost-lint.1 outpost.conf.5)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  outpost_gzip(${CMAKE_SOURCE_DIR}/docs/man/${page}
    ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
outpost_gzip(${CMAKE_SOURCE_DIR}/dist/changelog ${CMAKE_INSTALL_DOCDIR})
add_custom_target(outpost_gz ALL DEPENDS ${gz_files})

# The unit names the installed outpost: filled in at install time, so that
# `cmake --install build --prefix ~/.local` gets the right path too.
set(unit_in ${CMAKE_SOURCE_DIR}/dist/outpost-relayd.service.in)
set(unit_out ${CMAKE_BINARY_DIR}/dist/outpost-relayd.service)
install(CODE "
  set(OUTPOST_BIN \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/outpost\")
  set(OUTPOST_DOCDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  configure_file(\"${unit_in}\" \"${unit_out}\" @ONLY)
")
install(FILES ${unit_out} DESTINATION lib/systemd/user)

install(FILES ${CMAKE_SOURCE_DIR}/dist/outpost.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME outpost)

install(FILES README.md docs/CONFIG.md docs/DELIVERY.md docs/LINT.md
  docs/SMTP.md conf/outpost.conf.example dist/copyright
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The static front end looks like a shared library to lintian (see the file).
if(OUTPOST_STATIC_FRONTEND)
  install(FILES ${CMAKE_SOURCE_DIR}/dist/outpost.lintian-overrides
    DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME outpost)
endif()
