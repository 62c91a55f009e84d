#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/tools/tsan_reports.sh DIR: the TSan run's last test (tests/CMakeLists.txt).
# Fails, printing them, if any process of the run wrote a ThreadSanitizer report
# to DIR (TSAN_OPTIONS log_path=DIR/report: one file report.<pid> per process).
set -u
dir=$1
if [ ! -d "$dir" ]; then
	echo "not ok - $dir is missing: tsan/clear_reports did not run"
	exit 1
fi
found=0
for f in "$dir"/report*; do
	[ -e "$f" ] || continue
	found=$((found + 1))
	echo "# $f:"
	sed 's/^/#   /' "$f"
done
if [ "$found" -gt 0 ]; then
	echo "not ok - $found process(es) wrote ThreadSanitizer reports"
	exit 1
fi
echo "ok - no ThreadSanitizer report from any process of the run"
