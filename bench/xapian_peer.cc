/* xapian_peer: Xapian (Debian libxapian-dev, glass backend) set up as its users would for a
 * static corpus: a bulk load in one commit, BM25 with trawl's k1 and b, the Snowball stemmer
 * trawl uses, queries through QueryParser. See xapian_peer.h for the contract and
 * bench/README.md for why each setting. */
#include "xapian_peer.h"

#include <xapian.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

struct xp_db {
    Xapian::Database db;
    Xapian::Enquire ranked; /**< BM25: top-k, with or without the exact count */
    Xapian::Enquire count;  /**< BoolWeight: the exact count, nothing scored */
    Xapian::QueryParser qp;
    Xapian::doccount n_docs;
    std::string errmsg;

    explicit xp_db(const char *dir) : db(dir), ranked(db), count(db), n_docs(db.get_doccount())
    {
    }
};

static double xp_now_s()
{
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

static void xp_set_err(char *err, size_t err_len, const std::string &msg)
{
    if (err_len) std::snprintf(err, err_len, "%s", msg.c_str());
}

static bool xp_stems(const char *language)
{
    return language && std::strcmp(language, "none") != 0;
}

extern "C" int xp_build(const char *dir, const char *language, char *const *text, const size_t *len,
                        long long n, xp_times *times, char *err, size_t err_len)
{
    std::string tmp = std::string(dir) + ".build";
    try {
        /* DB_NO_SYNC: the FTS5 peer loads with synchronous=OFF; both can be rebuilt. */
        Xapian::WritableDatabase wdb(tmp, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC |
                                              Xapian::DB_BACKEND_GLASS);
        Xapian::TermGenerator tg;
        if (xp_stems(language)) {
            tg.set_stemmer(Xapian::Stem(language));
            tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
        } else {
            tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        }
        double t0 = xp_now_s();
        for (long long i = 0; i < n; i++) {
            Xapian::Document doc;
            doc.set_data(std::string(text[i], len[i]));
            tg.set_document(doc);
            /* An iterator over the bytes: the texts need not end in NUL, and the
             * (string, termcount) overload would take len[i] as the wdf increment. */
            tg.index_text(Xapian::Utf8Iterator(text[i], len[i]));
            wdb.add_document(doc);
        }
        double t1 = xp_now_s();
        wdb.commit();
        double t2 = xp_now_s();
        /* What xapian-compact does by default (FULL: blocks packed, items split where that
         * saves space), Xapian's counterpart of FTS5's 'optimize' for a finished database. */
        std::filesystem::remove_all(dir);
        wdb.compact(dir, Xapian::Compactor::FULL);
        double t3 = xp_now_s();
        wdb.close();
        times->add_s = t1 - t0;
        times->commit_s = t2 - t1;
        times->compact_s = t3 - t2;
        std::filesystem::remove_all(tmp);
        return 0;
    } catch (const Xapian::Error &e) {
        xp_set_err(err, err_len, e.get_description());
    } catch (const std::exception &e) {
        xp_set_err(err, err_len, e.what());
    }
    return -1;
}

extern "C" int xp_open(xp_db **out, const char *dir, const char *language, char *err,
                       size_t err_len)
{
    *out = NULL;
    try {
        xp_db *x = new xp_db(dir);
        /* k2 = 0 (no document-length term), k3 = 1 (a word given once weighs 1), and
         * min_normlen = 0 so a short document's length is not clamped, as in Lucene and trawl
         * (Xapian's default 0.5 would flatten the length norm of documents under half the
         * average length). */
        x->ranked.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0));
        x->count.set_weighting_scheme(Xapian::BoolWeight());
        x->count.set_docid_order(Xapian::Enquire::DONT_CARE);
        if (xp_stems(language)) {
            x->qp.set_stemmer(Xapian::Stem(language));
            x->qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
        } else {
            x->qp.set_stemming_strategy(Xapian::QueryParser::STEM_NONE);
        }
        x->qp.set_default_op(Xapian::Query::OP_OR);
        *out = x;
        return 0;
    } catch (const Xapian::Error &e) {
        xp_set_err(err, err_len, e.get_description());
    } catch (const std::exception &e) {
        xp_set_err(err, err_len, e.what());
    }
    return -1;
}

/* Reads the hits as trawl's and FTS5's loops do: each one's id and score. */
static long long xp_read(const Xapian::MSet &m)
{
    long long n = 0;
    volatile double sink;
    for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it, n++)
        sink = *it + it.get_weight();
    (void)sink;
    return n;
}

extern "C" long long xp_run(xp_db *x, const char *query, int limit, int exact_count)
{
    try {
        /* +a +b, -x and "a b" as Lucene reads them; no AND/OR/NOT keywords (FLAG_BOOLEAN),
         * which the query files do not use and Lucene's own parser would need upper case for. */
        Xapian::Query q = x->qp.parse_query(query, Xapian::QueryParser::FLAG_PHRASE |
                                                       Xapian::QueryParser::FLAG_LOVEHATE);
        Xapian::Enquire &e = limit > 0 ? x->ranked : x->count;
        e.set_query(q);
        bool exact = exact_count || limit == 0;
        Xapian::MSet m = e.get_mset(0, (Xapian::doccount)limit, exact ? x->n_docs : 0);
        long long n = xp_read(m);
        if (!exact) return n;
        /* With check_at_least = the number of documents every match is counted: the bounds
         * meet and the estimate is the count. */
        if (m.get_matches_lower_bound() != m.get_matches_upper_bound()) return -1;
        return (long long)m.get_matches_estimated();
    } catch (const Xapian::Error &e) {
        x->errmsg = e.get_description();
    }
    return -1;
}

extern "C" const char *xp_errmsg(const xp_db *x)
{
    return x ? x->errmsg.c_str() : "";
}

extern "C" void xp_close(xp_db *x)
{
    delete x;
}

extern "C" const char *xp_version(void)
{
    return Xapian::version_string();
}
