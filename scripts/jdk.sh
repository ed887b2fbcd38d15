# Sourced by ./specdec and ./build: finds a JDK >= 25 and exports JAVA_HOME, or stops with a message.
# Order: $JAVA_HOME if it is >= 25, else the newest JDK >= 25 under /usr/lib/jvm.
specdec_java_major() { # prints the feature version of the java binary $1, or 0
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}
specdec_find_jdk() {
  local best="" best_v=0 v cand
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(specdec_java_major "$JAVA_HOME/bin/java"); v=${v:-0}
    if [ "$v" -ge 25 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for cand in /usr/lib/jvm/*; do
    [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    v=$(specdec_java_major "$cand/bin/java"); v=${v:-0}
    if [ "$v" -ge 25 ] && [ "$v" -gt "$best_v" ]; then best="$cand"; best_v=$v; fi
  done
  [ -n "$best" ] && { echo "$best"; return 0; }
  return 1
}
if ! SPECDEC_JDK=$(specdec_find_jdk); then
  echo "specdec: needs a JDK 25 or newer (with javac). JAVA_HOME is '${JAVA_HOME:-unset}' and /usr/lib/jvm has none >= 25." >&2
  echo "specdec: install one (e.g. 'apt-get install temurin-25-jdk' or openjdk-25-jdk) or point JAVA_HOME at it." >&2
  exit 1
fi
export JAVA_HOME="$SPECDEC_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "specdec: Apache Maven (mvn) is not on the PATH; install it (e.g. 'apt-get install maven')." >&2
  exit 1
fi
