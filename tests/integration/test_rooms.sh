#!/usr/bin/env bash
# The rooms' arrows at the level of headers: the link check (<room>_alone in CMakeLists.txt)
# catches calls that point backwards, this catches an include that does, inline code and
# types included. cli -> assemble/build -> assemble/transport -> assemble/layer -> registry -> oci.
source "$(dirname "$0")/lib.sh"
cd "$CAIRN_SOURCE_DIR"

# room: the rooms whose headers it may include (besides its own).
declare -A may_use=(
    [oci]=""
    [registry]="oci"
    [assemble/layer]="registry oci"
    [assemble/transport]="assemble/layer registry oci"
    [assemble/build]="assemble/transport assemble/layer registry oci"
    [cli]="assemble/build assemble/transport assemble/layer registry oci"
)
rooms=(cli assemble/build assemble/transport assemble/layer registry oci)

bad=0
for room in "${rooms[@]}"; do
    [[ -d $room ]] || fail "room $room is missing"
    while IFS=: read -r file line text; do
        included=${text#*\"}
        included=${included%%\"*}
        [[ $included == */* ]] || continue  # a test's own helper in tests/unit
        # The room a header belongs to: assemble/<room>/x.hpp, else <room>/x.hpp.
        if [[ $included == assemble/* ]]; then
            rest=${included#assemble/}
            owner=assemble/${rest%%/*}
        else
            owner=${included%%/*}
        fi
        allowed=0
        for other in "$room" ${may_use[$room]}; do
            [[ $owner == "$other" ]] && allowed=1
        done
        if ((allowed == 0)); then
            echo "$file:$line: $room may not include $included" >&2
            bad=1
        fi
    done < <(grep -n '#include "' "$room"/*.cpp "$room"/*.hpp 2>/dev/null)
done
((bad == 0)) || fail "an include points against the arrows"
# Nothing may live in assemble/ itself: every file belongs to a room.
stray=$(find assemble -maxdepth 1 -name '*.[ch]pp')
[[ -z $stray ]] || fail "files outside the rooms: $stray"
