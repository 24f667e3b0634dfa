#!/usr/bin/env sh
# Regenerates the container fixtures from prices.csv with the real command-line tools.
set -eu
cd "$(dirname "$0")"
gzip -9 -n -c prices.csv > prices.csv.gz
cp prices.csv.gz prices.dat          # gzip under a misleading extension
zstd -q -19 -f -o prices.csv.zst prices.csv
bzip2 -9 -c prices.csv > prices.csv.bz2
rm -f prices.zip && zip -q -X prices.zip prices.csv
cat prices.csv | gzip -n -c > two_members.csv.gz && printf '' | gzip -n -c >> two_members.csv.gz
