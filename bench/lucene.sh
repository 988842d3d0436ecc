# lucene.sh: sourced by bench/run.sh and bench/growth.sh (which set B, W and LAT): Apache Lucene
# from Debian's liblucene8-java as a peer, driven by bench/LucenePeer.java (how it is set up:
# the comment at its top, and bench/README.md).
LJ=/usr/share/maven-repo/org/apache/lucene
LUCENE_CP=$LJ/lucene-core/8.x/lucene-core-8.x.jar
LUCENE_CP=$LUCENE_CP:$LJ/lucene-analyzers-common/8.x/lucene-analyzers-common-8.x.jar
LUCENE_CP=$LUCENE_CP:$LJ/lucene-queryparser/8.x/lucene-queryparser-8.x.jar:$B/bench/lucene

# Compiles the driver into B/bench/lucene (a few seconds; once per run).
lucene_compile() {
    rm -rf "$B/bench/lucene"
    javac -d "$B/bench/lucene" -cp "$LUCENE_CP" bench/LucenePeer.java
}

# lucene ARGS...: the driver.
lucene() { java -cp "$LUCENE_CP" LucenePeer "$@"; }

# lucene_run MODES ARGS...: times the queries (`LucenePeer run ARGS`) into a raw.csv, each of
# the comma-separated MODES in a JVM of its own, warmed up on that mode alone: Lucene's best
# case (one JVM warmed on every mode ran its top 10 about 10% slower).
lucene_run() {
    modes=$1
    shift
    for m in $(echo "$modes" | tr ',' ' '); do
        lucene run "$@" --modes "$m"
    done
}

# lucene_load NAME LANGUAGE INPUT: builds W/NAME, keeps key=value lines in W/build-NAME (the
# load time measured in the JVM, and the process's wall time and peak RSS).
lucene_load() {
    rm -rf "$W/$1"
    { echo "language=$2"; echo "input=$3"
      $LAT exec java -cp "$LUCENE_CP" LucenePeer load --jsonl "$3" --index "$W/$1" \
          --language "$2"; } >"$W/build-$1"
}
