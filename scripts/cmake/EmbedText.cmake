# EmbedText.cmake -- a text file as C data (the dashboard page is written as
# HTML in the source tree and served from memory).
#   cmake -DIN=file -DOUT=file.c -DNAME=symbol -P EmbedText.cmake
# defines `const char *const NAME` (NUL-terminated) and `const size_t NAME_len`.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR len "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# 16 bytes a line (CMake's regular expressions have no {n}).
set(b "0x[0-9a-f][0-9a-f],")
string(REGEX REPLACE "(${b}${b}${b}${b}${b}${b}${b}${b}${b}${b}${b}${b}${b}${b}${b}${b})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "/* Generated from ${IN} by scripts/cmake/EmbedText.cmake: do not edit. */\n"
  "#include <stddef.h>\n"
  "extern const char *const ${NAME};\nextern const size_t ${NAME}_len;\n"
  "static const unsigned char bytes[] = {\n${bytes}0};\n"
  "const char *const ${NAME} = (const char *)bytes;\n"
  "const size_t ${NAME}_len = ${len};\n")
