# Runs before the build, in the project directory.
if [ -n "$EXOTEST_BUILD_MARK" ]; then pwd > "$EXOTEST_BUILD_MARK"; fi
