# scripts/cmake/ShockDbgsym.cmake -- CPACK_POST_BUILD_SCRIPTS step that makes
# the debug-symbols package CPack writes (CPACK_DEBIAN_DEBUGINFO_PACKAGE)
# what dh_strip would have made, so that lintian passes it too:
#  - CMake 3.25's CPackDeb lists the build-time absolute paths of the .debug
#    files in DEBIAN/md5sums (dpkg --verify and debsums would report every
#    file); they are listed again relative to the root, as dpkg expects;
#  - the .debug files are data, mode 0644, not executables;
#  - /usr/share/doc/shockwatch-dbgsym is a symlink to shockwatch's doc folder
#    (copyright and changelog), which it may be because it depends on
#    exactly that version of shockwatch.
foreach(pkg IN LISTS CPACK_PACKAGE_FILES)
  if(NOT pkg MATCHES "-dbgsym_[^/]*\\.ddeb$")
    continue()
  endif()
  set(root ${CPACK_TOPLEVEL_DIRECTORY}/dbgsym-repack)
  file(REMOVE_RECURSE ${root})
  execute_process(COMMAND dpkg-deb -R ${pkg} ${root} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dbgsym: dpkg-deb -R ${pkg} failed")
  endif()
  file(GLOB_RECURSE debug_files RELATIVE ${root} ${root}/usr/*)
  list(SORT debug_files)
  set(sums "")
  foreach(f IN LISTS debug_files)
    file(CHMOD ${root}/${f} PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
    file(MD5 ${root}/${f} md5)
    string(APPEND sums "${md5}  ${f}\n")
  endforeach()
  file(WRITE ${root}/DEBIAN/md5sums "${sums}")
  file(CHMOD ${root}/DEBIAN/md5sums PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  file(MAKE_DIRECTORY ${root}/usr/share/doc)
  file(CREATE_LINK ${CPACK_PACKAGE_NAME} ${root}/usr/share/doc/${CPACK_PACKAGE_NAME}-dbgsym SYMBOLIC)
  execute_process(COMMAND dpkg-deb --root-owner-group --build ${root} ${pkg}
                  RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dbgsym: dpkg-deb --build ${root} ${pkg} failed")
  endif()
  file(REMOVE_RECURSE ${root})
endforeach()
