# config-doc.awk -- roff for shockwatch.json(5) from the loader's own option
# table (the output of `shockd --config-doc`), or, with -v mode=example, a
# file shown verbatim.  "  key  (type...)" rows become .TP entries followed by
# their meaning; "section:" lines become .SS headings.  Text is escaped for
# roff: backslashes, and a dot or quote at the start of a line.
function esc(s) {
    gsub(/\\/, "\\e", s)
    if (s ~ /^[.']/)
        s = "\\&" s
    return s
}
mode == "example" { print esc($0); next }
/^$/ { next }
/^shockwatch configuration/ { next }
/^      / { sub(/^      /, ""); print esc($0); next }
/^  [^ ]+  \(/ {
    line = $0
    sub(/^  /, "", line)
    key = line
    sub(/  \(.*$/, "", key)
    rest = line
    sub(/^[^ ]+  /, "", rest)
    print ".TP"
    print ".B " esc(key)
    print esc(rest)
    next
}
/^(groups|sinks|detectors) +\(/ {
    key = $1
    rest = $0
    sub(/^[a-z]+ +/, "", rest)
    print ".TP"
    print ".B " key
    print esc(rest)
    next
}
{ gsub(/"/, "\\(dq"); print ".SS \"" esc($0) "\"" }
