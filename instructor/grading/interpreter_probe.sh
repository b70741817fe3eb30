# Run by interpreter_probe.check inside a sandbox: sh -c THIS probe PYTHON
# CODE PATH...  Names each path the sandbox's user cannot reach, then runs
# PYTHON -c CODE.
python=$1; code=$2; shift 2
bad=0
for path in "$python" "$@"; do
    if [ ! -e "$path" ]; then
        echo "missing: $path"; bad=1
    elif [ ! -r "$path" ] || { [ -d "$path" ] && [ ! -x "$path" ]; }; then
        echo "unreadable: $path"; bad=1
    fi
done
[ -x "$python" ] || { echo "not executable: $python"; bad=1; }
[ "$bad" = 0 ] || exit 3
exec "$python" -c "$code"
