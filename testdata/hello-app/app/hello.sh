#!/bin/sh
# The demo's application: says who it is and what it ships.
echo "hello from cairn: $(cat /app/static/version.txt)"
