/* LucenePeer: Apache Lucene (Debian liblucene8-java) as a peer of make bench, set up as its
 * users would set it up for a bulk load and for timing queries:
 *
 *   load --jsonl FILE --index DIR --language none|english
 *       One IndexWriter fed from one thread: 256 MB RAM buffer, no compound files, one commit,
 *       then forceMerge(1) (one segment, as the other engines' indexes), the text stored (the
 *       default codec's LZ4 stored fields) and indexed with positions. Prints key=value lines.
 *   run --index DIR --language L --queries FILE --set NAME --reps R --out CSV [--modes M,...]
 *       The queries (JSON Lines: "query" in Lucene syntax, "tags") parsed by the classic
 *       QueryParser (default operator OR, as trawl runs them with default_or) and searched on
 *       an MMapDirectory reader with BM25Similarity(1.2, 0.75), Lucene's default. TOP_10
 *       collects the top 10 with a total-hits threshold of 10 (block-max WAND prunes from the
 *       start; search(q, 10) would count the first 1,000 hits exactly first), COUNT is
 *       count(q), TOP_10_COUNT collects the top 10 and the exact count. The query
 *       cache is off: the timed passes repeat every query, and a cache would answer a repeat
 *       from memory, which no other engine here does. First untimed passes over every query
 *       in every mode (at least WARM of them and WARM_S seconds: the JIT compiles the hot
 *       paths), then per mode one more untimed pass and R timed ones; rows as latency.c
 *       writes them.
 *
 * Analysis: StandardTokenizer (UAX #29 words) and LowerCaseFilter; with "english" also the
 * Snowball English stemmer, as trawl and Xapian stem. No stop words, as every engine here. */
import java.io.BufferedReader;
import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopScoreDocCollector;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;
import org.tartarus.snowball.ext.EnglishStemmer;

public final class LucenePeer {
    static final String[] MODES = {"TOP_10", "COUNT", "TOP_10_COUNT"};
    static final int WARM = 5;      /* untimed passes over every query and mode, at least */
    static final double WARM_S = 5; /* seconds of them, at least */

    static Analyzer analyzer(String language) {
        boolean stem = language.equals("english");
        if (!stem && !language.equals("none"))
            throw new IllegalArgumentException("language " + language);
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String field) {
                Tokenizer t = new StandardTokenizer();
                TokenStream s = new LowerCaseFilter(t);
                if (stem) s = new SnowballFilter(s, new EnglishStemmer());
                return new TokenStreamComponents(t, s);
            }
        };
    }

    /* ---------------------------------------------------------------- JSON, just enough */

    /* The string value of key in one JSON object line, or null. Handles the escapes of RFC 8259,
     * surrogate pairs included; the lines come from make_queries.py and make_corpus.sh. */
    static String jsonString(String line, String key) {
        String k = "\"" + key + "\"";
        int at = 0;
        while ((at = line.indexOf(k, at)) >= 0) {
            int i = at + k.length();
            while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) i++;
            if (i < line.length() && line.charAt(i) == ':') {
                i++;
                while (i < line.length() && line.charAt(i) == ' ') i++;
                if (i < line.length() && line.charAt(i) == '"') return jsonUnescape(line, i + 1);
            }
            at = i;
        }
        return null;
    }

    static String jsonUnescape(String s, int i) {
        StringBuilder b = new StringBuilder();
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == '"') return b.toString();
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = s.charAt(i++);
            switch (e) {
                case 'n': b.append('\n'); break;
                case 't': b.append('\t'); break;
                case 'r': b.append('\r'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'u':
                    b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                    break;
                default: b.append(e);
            }
        }
        throw new IllegalArgumentException("unterminated JSON string");
    }

    /* The first tag of a query line ("tags": ["term", ...]). */
    static String firstTag(String line) {
        int at = line.indexOf("\"tags\"");
        if (at < 0) return "other";
        int q = line.indexOf('"', line.indexOf('[', at) + 1);
        return q < 0 ? "other" : jsonUnescape(line, q + 1);
    }

    static String arg(String[] a, String name, String dflt) {
        for (int i = 1; i + 1 < a.length; i++)
            if (a[i].equals(name)) return a[i + 1];
        if (dflt == null) throw new IllegalArgumentException("missing " + name);
        return dflt;
    }

    /* ---------------------------------------------------------------- load */

    static long dirBytes(Path dir, boolean storedOnly) throws IOException {
        long n = 0;
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String f = p.getFileName().toString();
                boolean stored = f.endsWith(".fdt") || f.endsWith(".fdx") || f.endsWith(".fdm");
                if (!storedOnly || stored) n += Files.size(p);
            }
        }
        return n;
    }

    static void load(String[] a) throws Exception {
        Path dir = Paths.get(arg(a, "--index", null));
        IndexWriterConfig c = new IndexWriterConfig(analyzer(arg(a, "--language", null)));
        c.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        c.setRAMBufferSizeMB(256);
        c.setUseCompoundFile(false);
        c.setSimilarity(new BM25Similarity());
        long t0 = System.nanoTime(), docs = 0, bytes = 0;
        try (IndexWriter w = new IndexWriter(FSDirectory.open(dir), c);
             BufferedReader in = Files.newBufferedReader(Paths.get(arg(a, "--jsonl", null)),
                                                         StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                String id = jsonString(line, "id"), text = jsonString(line, "text");
                if (id == null || text == null) continue;
                Document d = new Document();
                d.add(new StringField("id", id, Field.Store.YES));
                d.add(new TextField("text", text, Field.Store.YES));
                w.addDocument(d);
                docs++;
                bytes += text.getBytes(StandardCharsets.UTF_8).length;
            }
            w.commit();
            w.forceMerge(1);
            w.commit();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        long all = dirBytes(dir, false), stored = dirBytes(dir, true);
        System.out.printf("lucene_s=%.3f%nlucene_docs=%d%nlucene_text_bytes=%d%n"
                          + "lucene_index_bytes=%d%nlucene_stored_bytes=%d%n",
                          s, docs, bytes, all - stored, stored);
    }

    /* ---------------------------------------------------------------- run */

    static long runOne(IndexSearcher s, QueryParser p, String text, int mode) {
        try {
            Query q = p.parse(text);
            if (mode == 1) return s.count(q);
            /* TOP_10 counts no more hits than it returns, as trawl's and Xapian's top 10 do not
             * count every match: block-max WAND prunes from the first 10 hits on (search(q,
             * 10) would count the first 1,000 exactly first). */
            TopScoreDocCollector c =
                TopScoreDocCollector.create(10, mode == 0 ? 10 : Integer.MAX_VALUE);
            s.search(q, c);
            TopDocs td = c.topDocs();
            return mode == 0 ? td.scoreDocs.length : td.totalHits.value;
        } catch (Exception e) {
            return -1;
        }
    }

    static void run(String[] a) throws Exception {
        String set = arg(a, "--set", null), modes = arg(a, "--modes", String.join(",", MODES));
        int reps = Integer.parseInt(arg(a, "--reps", "5"));
        List<String> text = new ArrayList<>(), cls = new ArrayList<>();
        Path queries = Paths.get(arg(a, "--queries", null));
        for (String line : Files.readAllLines(queries, StandardCharsets.UTF_8)) {
            String q = jsonString(line, "query");
            if (q == null) continue;
            text.add(q);
            cls.add(firstTag(line));
        }
        Path index = Paths.get(arg(a, "--index", null));
        DirectoryReader r = DirectoryReader.open(FSDirectory.open(index));
        IndexSearcher s = new IndexSearcher(r);
        s.setSimilarity(new BM25Similarity());
        s.setQueryCache(null);
        QueryParser p = new QueryParser("text", analyzer(arg(a, "--language", null)));
        p.setDefaultOperator(QueryParser.Operator.OR);
        int n = text.size();
        List<String> wanted = Arrays.asList(modes.split(","));
        /* Warm-up: every wanted mode over every query until the JIT has had WARM_S seconds and
         * WARM passes, so that no mode's timed passes pay for compiling another's paths. */
        long w0 = System.nanoTime();
        for (int pass = 0; pass < WARM || System.nanoTime() - w0 < WARM_S * 1e9; pass++)
            for (int m = 0; m < MODES.length; m++)
                if (wanted.contains(MODES[m]))
                    for (int i = 0; i < n; i++) runOne(s, p, text.get(i), m);
        System.err.printf("lucene: %s: warm-up %.1f s%n", set, (System.nanoTime() - w0) / 1e9);
        try (PrintWriter out = new PrintWriter(new FileWriter(arg(a, "--out", null), true))) {
            for (int m = 0; m < MODES.length; m++) {
                if (!wanted.contains(MODES[m])) continue;
                long t0 = System.nanoTime();
                double[][] us = new double[n][reps];
                long[] count = new long[n];
                for (int rep = -1; rep < reps; rep++)
                    for (int i = 0; i < n; i++) {
                        long a0 = System.nanoTime();
                        long c = runOne(s, p, text.get(i), m);
                        long a1 = System.nanoTime();
                        if (rep < 0) continue;
                        us[i][rep] = (a1 - a0) / 1e3;
                        count[i] = c;
                    }
                for (int i = 0; i < n; i++) {
                    Arrays.sort(us[i]);
                    out.printf("%s,%s,%s,lucene,%d,%.3f,%.3f,%d%n", set, cls.get(i), MODES[m], i,
                               us[i][0], us[i][reps / 2], count[i]);
                }
                System.err.printf("lucene: %s %s: %d queries x %d in %.1f s%n", set, MODES[m], n,
                                  1 + reps, (System.nanoTime() - t0) / 1e9);
            }
        }
        r.close();
    }

    public static void main(String[] a) throws Exception {
        if (a.length > 0 && a[0].equals("load")) load(a);
        else if (a.length > 0 && a[0].equals("run")) run(a);
        else {
            System.err.println("usage: LucenePeer load|run ... (see the comment at the top)");
            System.exit(2);
        }
    }
}
