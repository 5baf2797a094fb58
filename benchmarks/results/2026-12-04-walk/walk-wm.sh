#!/bin/bash
watchman watch-del-all > /dev/null 2>&1
s=$(date +%s.%N)
watchman watch /tmp/walk-tree > /dev/null 2>&1
n=$(echo '["query","/tmp/walk-tree",{"fields":["name"],"expression":["type","f"]}]' | watchman -j --no-pretty | grep -o '/f[0-9]*"' | wc -l)
e=$(date +%s.%N)
echo "$(echo "$e - $s" | bc) files=$n"
