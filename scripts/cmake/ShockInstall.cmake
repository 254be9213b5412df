# scripts/cmake/ShockInstall.cmake -- `cmake --install` layout, man pages and the
# Debian package (`cpack -G DEB`), included at the end of CMakeLists.txt.
#
# A system install wants CMAKE_INSTALL_PREFIX=/usr and SHOCK_INSTALL_LAYOUT=ON
# (the calendar path compiled into shockd is then the installed one); with
# prefix /usr, GNUInstallDirs puts the configuration under /etc.  Units,
# sysusers and tmpfiles files go where pkg-config's systemd says for prefix
# /usr, under the prefix otherwise.

# ---- man pages: shockwatch.json(5) carries the loader's own option table ----
set(SHOCK_MAN_DIR ${CMAKE_BINARY_DIR}/man)
foreach(page shockd.8 shock-notify.8 shock-feed.1 shock-report.1)
  string(REGEX REPLACE "^.*\\.([0-9])$" "\\1" sec ${page})
  configure_file(${CMAKE_SOURCE_DIR}/docs/man/${page} ${SHOCK_MAN_DIR}/man${sec}/${page} @ONLY)
endforeach()
add_custom_command(
  OUTPUT ${SHOCK_MAN_DIR}/man5/shockwatch.json.5
  COMMAND shockd --config-doc > ${CMAKE_BINARY_DIR}/config-doc.txt
  COMMAND awk -f ${CMAKE_SOURCE_DIR}/docs/man/config-doc.awk ${CMAKE_BINARY_DIR}/config-doc.txt
          > ${CMAKE_BINARY_DIR}/config-doc.roff
  COMMAND awk -v mode=example -f ${CMAKE_SOURCE_DIR}/docs/man/config-doc.awk
          ${CMAKE_SOURCE_DIR}/config/shockwatch.json > ${CMAKE_BINARY_DIR}/config-example.roff
  COMMAND ${CMAKE_COMMAND} -DTEMPLATE=${CMAKE_SOURCE_DIR}/docs/man/shockwatch.json.5.in
          -DREFERENCE=${CMAKE_BINARY_DIR}/config-doc.roff -DEXAMPLE=${CMAKE_BINARY_DIR}/config-example.roff
          -DOUT=${SHOCK_MAN_DIR}/man5/shockwatch.json.5 -DVERSION=${PROJECT_VERSION} -DDATA_DIR=${SHOCK_DATA_DIR}
          -P ${CMAKE_SOURCE_DIR}/scripts/cmake/ManConfigDoc.cmake
  DEPENDS shockd ${CMAKE_SOURCE_DIR}/docs/man/shockwatch.json.5.in ${CMAKE_SOURCE_DIR}/docs/man/config-doc.awk
          ${CMAKE_SOURCE_DIR}/config/shockwatch.json ${CMAKE_SOURCE_DIR}/scripts/cmake/ManConfigDoc.cmake
  COMMENT "shockwatch.json(5) from shockd --config-doc"
  VERBATIM)
set(SHOCK_MAN_PAGES man8/shockd.8 man8/shock-notify.8 man5/shockwatch.json.5)
if(TARGET shock-feed)
  list(APPEND SHOCK_MAN_PAGES man1/shock-feed.1)
endif()
if(TARGET shock-report)
  list(APPEND SHOCK_MAN_PAGES man1/shock-report.1)
endif()
set(SHOCK_MAN_GZ "")
foreach(page ${SHOCK_MAN_PAGES})
  # Debian installs man pages gzip -9n (no name, no time: reproducible).
  add_custom_command(OUTPUT ${SHOCK_MAN_DIR}/${page}.gz
    COMMAND gzip -9nc ${SHOCK_MAN_DIR}/${page} > ${SHOCK_MAN_DIR}/${page}.gz
    DEPENDS ${SHOCK_MAN_DIR}/${page} VERBATIM)
  list(APPEND SHOCK_MAN_GZ ${SHOCK_MAN_DIR}/${page}.gz)
endforeach()
add_custom_target(man ALL DEPENDS ${SHOCK_MAN_GZ})

# ---- where things go ----------------------------------------------------------
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  pkg_get_variable(SHOCK_PC_UNITDIR systemd systemdsystemunitdir)
  pkg_get_variable(SHOCK_PC_SYSUSERSDIR systemd sysusersdir)
  pkg_get_variable(SHOCK_PC_TMPFILESDIR systemd tmpfilesdir)
endif()
if(NOT SHOCK_PC_UNITDIR)
  set(SHOCK_PC_UNITDIR lib/systemd/system)
endif()
if(NOT SHOCK_PC_SYSUSERSDIR)
  set(SHOCK_PC_SYSUSERSDIR lib/sysusers.d)
endif()
if(NOT SHOCK_PC_TMPFILESDIR)
  set(SHOCK_PC_TMPFILESDIR lib/tmpfiles.d)
endif()
set(SHOCK_SYSTEMD_UNIT_DIR ${SHOCK_PC_UNITDIR} CACHE PATH "Where the systemd units are installed")
set(SHOCK_SYSUSERS_DIR ${SHOCK_PC_SYSUSERSDIR} CACHE PATH "Where sysusers.d/shockwatch.conf is installed")
set(SHOCK_TMPFILES_DIR ${SHOCK_PC_TMPFILESDIR} CACHE PATH "Where tmpfiles.d/shockwatch.conf is installed")

# The units name /usr/bin; another prefix gets copies that name its bin dir.
foreach(unit shockd.service shock-notify.service)
  file(READ ${CMAKE_SOURCE_DIR}/systemd/${unit} text)
  string(REPLACE "ExecStart=/usr/bin/" "ExecStart=${CMAKE_INSTALL_FULL_BINDIR}/" text "${text}")
  file(WRITE ${CMAKE_BINARY_DIR}/systemd/${unit} "${text}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/systemd/${unit})
endforeach()

foreach(t shockd shock-notify shock-feed shock-report)
  if(TARGET ${t})
    install(TARGETS ${t} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()
# The example configuration: a dpkg conffile (an edited copy survives upgrades).
install(FILES config/shockwatch.json DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/shockwatch)
install(FILES data/calendar/nyse.csv DESTINATION ${CMAKE_INSTALL_DATADIR}/shockwatch/calendar)
install(FILES ${CMAKE_BINARY_DIR}/systemd/shockd.service ${CMAKE_BINARY_DIR}/systemd/shock-notify.service
        DESTINATION ${SHOCK_SYSTEMD_UNIT_DIR})
install(FILES systemd/shockwatch.sysusers DESTINATION ${SHOCK_SYSUSERS_DIR} RENAME shockwatch.conf)
install(FILES systemd/shockwatch.tmpfiles DESTINATION ${SHOCK_TMPFILES_DIR} RENAME shockwatch.conf)
foreach(page ${SHOCK_MAN_PAGES})
  get_filename_component(sub ${page} DIRECTORY)
  install(FILES ${SHOCK_MAN_DIR}/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/${sub})
endforeach()
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES config/demo.json config/daily.json DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
if(NOT SHOCK_INSTALL_LAYOUT)
  install(CODE "message(WARNING \"shockd was built with SHOCK_INSTALL_LAYOUT=OFF: its default calendar is \
${SHOCK_DATA_DIR}/calendar/nyse.csv in the source tree; configure with -DSHOCK_INSTALL_LAYOUT=ON for an install\")")
endif()

# ---- the Debian package ---------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME shockwatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time market-shock monitor (shockd, shock-notify)")
set(CPACK_PACKAGE_DESCRIPTION "shockd watches trades of a watchlist on a live WebSocket feed, runs detectors
on event time and alerts the moment a name or a whole group breaks away; alerts go
to stdout and a Redis stream.  shock-notify delivers them to Slack, e-mail,
webhooks, Discord and Telegram.  Both run as systemd services (Type=notify).
shock-report draws a day or a week of recorded trades and their alerts as one
self-contained HTML page.")
set(CPACK_PACKAGE_CONTACT "shockwatch maintainers <shockwatch@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library packages come from the binaries (dpkg-shlibdeps); the libuv glue of
# libwebsockets is a plugin loaded at run time, invisible to it; systemd runs
# the services, sysusers and tmpfiles.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libwebsockets-evlib-uv (>= 4.1.6), systemd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "redis-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# conffiles: an edited /etc/shockwatch/shockwatch.json survives upgrades.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/systemd/debian/conffiles ${CMAKE_SOURCE_DIR}/systemd/debian/postinst
    ${CMAKE_SOURCE_DIR}/systemd/debian/prerm ${CMAKE_SOURCE_DIR}/systemd/debian/postrm)
include(CPack)
