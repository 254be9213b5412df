# cmake -P script: put the generated pieces (REFERENCE, EXAMPLE: roff files
# made by docs/man/config-doc.awk) and VERSION, DATA_DIR into TEMPLATE,
# writing OUT.  The files are read whole (file(READ)), never as lists, so
# semicolons and brackets in them are plain text.
file(READ "${TEMPLATE}" page)
file(READ "${REFERENCE}" ref)
file(READ "${EXAMPLE}" example)
string(REPLACE "@CONFIG_REFERENCE@\n" "${ref}" page "${page}")
string(REPLACE "@CONFIG_EXAMPLE@\n" "${example}" page "${page}")
string(REPLACE "@SHOCK_VERSION@" "${VERSION}" page "${page}")
string(REPLACE "@SHOCK_DATA_DIR@" "${DATA_DIR}" page "${page}")
file(WRITE "${OUT}" "${page}")
