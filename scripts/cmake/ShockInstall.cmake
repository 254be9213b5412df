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
foreach(unit shockd.service shock-notify.service shockd@.service)
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
# shockd@.service: shard K of a split watchlist (shockd --shard K).
install(FILES ${CMAKE_BINARY_DIR}/systemd/shockd.service ${CMAKE_BINARY_DIR}/systemd/shock-notify.service
              ${CMAKE_BINARY_DIR}/systemd/shockd@.service
        DESTINATION ${SHOCK_SYSTEMD_UNIT_DIR})
install(FILES systemd/shockwatch.sysusers DESTINATION ${SHOCK_SYSUSERS_DIR} RENAME shockwatch.conf)
install(FILES systemd/shockwatch.tmpfiles DESTINATION ${SHOCK_TMPFILES_DIR} RENAME shockwatch.conf)
foreach(page ${SHOCK_MAN_PAGES})
  get_filename_component(sub ${page} DIRECTORY)
  install(FILES ${SHOCK_MAN_DIR}/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/${sub})
endforeach()
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian wants the copyright and the changelog next to the docs (Policy 12.5,
# 12.7): the copyright is DEP-5 around LICENSE's text, so the two cannot
# disagree; the changelog is gzip -9n (no name, no time: reproducible).  The
# version is "native" (no Debian revision: the packaging lives in this tree),
# so the changelog is changelog.gz, not changelog.Debian.gz.
set(SHOCK_MAINTAINER "shockwatch maintainers <maintainers@shockwatch.dev>")
file(STRINGS ${CMAKE_SOURCE_DIR}/LICENSE shock_license_lines)
list(GET shock_license_lines 0 shock_license_first)
if(NOT shock_license_first MATCHES "^Copyright \\(c\\) (.+)\\.$")
  message(FATAL_ERROR "LICENSE: the first line is not \"Copyright (c) YEARS HOLDER.\"")
endif()
set(SHOCK_COPYRIGHT ${CMAKE_MATCH_1})
file(READ ${CMAKE_SOURCE_DIR}/LICENSE shock_license)
string(REGEX REPLACE "^[^\n]*\n\n" "" shock_license "${shock_license}") # the copyright line
string(REGEX REPLACE "\n$" "" shock_license "${shock_license}")
string(REPLACE "\n\n" "\n.\n" shock_license "${shock_license}")        # DEP-5: an empty line is " ."
string(REPLACE "\n" "\n " shock_license "${shock_license}")
set(SHOCK_LICENSE_TEXT " ${shock_license}")
configure_file(${CMAKE_SOURCE_DIR}/systemd/debian/copyright.in ${CMAKE_BINARY_DIR}/debian/copyright @ONLY)
file(STRINGS ${CMAKE_SOURCE_DIR}/systemd/debian/changelog shock_changelog_top LIMIT_COUNT 1)
if(NOT shock_changelog_top MATCHES "^shockwatch \\(${PROJECT_VERSION}\\) ")
  message(FATAL_ERROR "systemd/debian/changelog: the first entry is not for version ${PROJECT_VERSION} "
                      "(\"${shock_changelog_top}\"): add an entry for the new version at the top")
endif()
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/debian/changelog.gz
  COMMAND gzip -9nc ${CMAKE_SOURCE_DIR}/systemd/debian/changelog > ${CMAKE_BINARY_DIR}/debian/changelog.gz
  DEPENDS ${CMAKE_SOURCE_DIR}/systemd/debian/changelog VERBATIM)
add_custom_target(debian-changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/debian/changelog.gz)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/LICENSE
             ${CMAKE_SOURCE_DIR}/systemd/debian/changelog)
install(FILES ${CMAKE_BINARY_DIR}/debian/copyright ${CMAKE_BINARY_DIR}/debian/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES config/demo.json config/daily.json DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# The reference README.md links to, as docs/ beside it so that its relative
# links (and the docs' links among themselves) resolve in the installed tree:
# every page, the pictures they show, the alert schema (alert-schema.md's
# contract) and the example consumer.  Not the man page sources: the pages are installed above.  A
# directory install, so a new page needs no change here.
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
        FILES_MATCHING PATTERN "*.md" PATTERN "*.png" PATTERN "*.svg" PATTERN "*.json" PATTERN "*.py"
        PATTERN "man" EXCLUDE)
# The alert contract for programs on the host, where they find it.
install(FILES docs/alert-v1.schema.json DESTINATION ${CMAKE_INSTALL_DATADIR}/shockwatch)
if(NOT SHOCK_INSTALL_LAYOUT)
  install(CODE "message(WARNING \"shockd was built with SHOCK_INSTALL_LAYOUT=OFF: its default calendar is \
${SHOCK_DATA_DIR}/calendar/nyse.csv in the source tree; configure with -DSHOCK_INSTALL_LAYOUT=ON for an install\")")
endif()

# ---- the Debian package ---------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME shockwatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time market-shock monitor (shockd, shock-notify)")
# Extended description: lines of at most 79 characters (lintian
# extended-description-line-too-long at 80).
set(CPACK_PACKAGE_DESCRIPTION "shockd watches the trades of a watchlist on a live WebSocket feed, runs
detectors on event time and alerts the moment a name or a whole group breaks
away; alerts go to stdout and a Redis stream.  shock-notify delivers them to
Slack, e-mail, webhooks, Discord and Telegram.  Both run as systemd services
(Type=notify).  shock-report draws a day or a week of recorded trades and
their alerts as one self-contained HTML page.")
# A reachable address (lintian rejects @localhost); see docs/packaging.md.
set(CPACK_PACKAGE_CONTACT "${SHOCK_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library packages come from the binaries (dpkg-shlibdeps); the libuv glue of
# libwebsockets is a plugin loaded at run time, invisible to it; systemd runs
# the services, sysusers and tmpfiles.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libwebsockets-evlib-uv (>= 4.1.6), systemd")
# The PNG charts name DejaVu Sans (any font would do, this one looks as designed).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "redis-server, fonts-dejavu-core")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Stripped binaries in the package; their debug symbols (of a build with
# them, RelWithDebInfo) go to shockwatch-dbgsym_VERSION_ARCH.ddeb under
# /usr/lib/debug/.build-id/, which gdb and systemd-coredump find by build id.
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
set(CPACK_POST_BUILD_SCRIPTS ${CMAKE_SOURCE_DIR}/scripts/cmake/ShockDbgsym.cmake)
# conffiles: an edited /etc/shockwatch/shockwatch.json survives upgrades.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/systemd/debian/conffiles ${CMAKE_SOURCE_DIR}/systemd/debian/postinst
    ${CMAKE_SOURCE_DIR}/systemd/debian/prerm ${CMAKE_SOURCE_DIR}/systemd/debian/postrm)
include(CPack)
