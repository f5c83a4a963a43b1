# Sourced by ./fovea, ./run-tests and .ci/run: locate a JDK 25+ (JAVA_HOME if it is 25 or newer,
# else /usr/lib/jvm/temurin-25-jdk-amd64, else `java` on PATH if it is 25 or newer).
# Defines find_java (prints the java binary or returns 1) and jdk_home_of JAVA.

MIN_JAVA=25
JDK_DEFAULT=/usr/lib/jvm/temurin-25-jdk-amd64

# Major version of a java binary: 25 for "25.0.1", 1 for "1.8.0"; empty when it does not run.
java_major() {
  "$1" -version 2>&1 | sed -n 's/.* version "\([0-9][0-9]*\).*/\1/p' | head -n 1 || true
}

find_java() {
  local candidates=() c major
  if [[ -n "${JAVA_HOME:-}" ]]; then candidates+=("$JAVA_HOME/bin/java"); fi
  candidates+=("$JDK_DEFAULT/bin/java")
  if command -v java >/dev/null 2>&1; then candidates+=("$(command -v java)"); fi
  for c in "${candidates[@]}"; do
    [[ -x "$c" ]] || continue
    major="$(java_major "$c")"
    if [[ "$major" =~ ^[0-9]+$ ]] && (( major >= MIN_JAVA )); then
      printf '%s\n' "$c"
      return 0
    fi
  done
  return 1
}

jdk_home_of() {
  dirname "$(dirname "$(readlink -f "$1")")"
}

no_java_message() {
  printf 'needs Java %s or newer; none found in JAVA_HOME (%s), %s, or on PATH.\nInstall a JDK %s (e.g. Eclipse Temurin) and set JAVA_HOME to it.' \
    "$MIN_JAVA" "${JAVA_HOME:-unset}" "$JDK_DEFAULT" "$MIN_JAVA"
}
