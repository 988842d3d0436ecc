"""_lib: loads libtrawl.so and declares its C API for ctypes, mirroring trawl.h of ABI 1.

The structs below are trawl.h's layouts as far as this binding knows them: Options is the
current trawl_options (the ranking fields included), the others their 1.0 layouts. Under the
header's ABI promise any 1.x library accepts them: every function taking a growable struct is
called through its _sized export with ctypes.sizeof of our struct, so a newer library fills
only what this binding knows, and an older one takes Options as long as the fields it lacks
stay as trawl_options_init_sized left them (zero), else TRAWL_EARG.

Where the library comes from, first found wins:
  1. $TRAWL_LIB, a path to libtrawl.so.1 (for a build tree or a sanitizer build);
  2. the build tree this package sits in: <repo>/build/release/libtrawl.so.1;
  3. the library directory make install wrote into _LIBDIR below;
  4. the dynamic loader's search path (an installed libtrawl.so.1).
"""
import ctypes
import os

ABI_MAJOR = 1
SONAME = 'libtrawl.so.%d' % ABI_MAJOR
_LIBDIR = ''  # set by make install

c_char_p, c_size_t, c_int, c_uint32, c_uint64, c_double, c_void_p = (
    ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_uint32, ctypes.c_uint64,
    ctypes.c_double, ctypes.c_void_p)


class Options(ctypes.Structure):
    _fields_ = [('limit', c_uint32), ('offset', c_uint32), ('k1', c_double), ('b', c_double),
                ('date_from', c_uint32), ('date_to', c_uint32), ('sort', c_int),
                ('count_only', c_int), ('exact_count', c_int), ('explain', c_int),
                ('default_or', c_int), ('max_expansions', c_uint32),
                # ranking beyond plain BM25 (docs/RANKING.md), after 1.0
                ('query_tf', c_int), ('fuzzy', c_int), ('expand', c_int),
                ('expand_docs', c_uint32), ('expand_terms', c_uint32), ('expand_weight', c_double),
                ('proximity', c_int), ('proximity_weight', c_double)]


class Stats(ctypes.Structure):
    _fields_ = [('n_docs', c_uint64), ('total_tokens', c_uint64), ('n_terms', c_uint64),
                ('n_segments', c_uint32), ('index_bytes', c_uint64), ('stored_bytes', c_uint64),
                ('language', ctypes.c_char * 32), ('phrase_grams', c_uint32)]


class Hit(ctypes.Structure):
    _fields_ = [('doc', c_uint64), ('score', c_double), ('date', c_uint32),
                ('id', c_void_p), ('id_len', c_size_t)]


class Span(ctypes.Structure):
    _fields_ = [('off', c_uint32), ('len', c_uint32)]


class Snippet(ctypes.Structure):
    _fields_ = [('text', c_void_p), ('len', c_size_t), ('spans', ctypes.POINTER(Span)),
                ('n_spans', c_size_t), ('is_start', c_int), ('is_end', c_int)]


class WriterOptions(ctypes.Structure):
    _fields_ = [('language', c_char_p), ('max_token_len', c_uint32), ('memory_bytes', c_size_t),
                ('threads', ctypes.c_uint), ('rebuild', c_int), ('no_merge', c_int),
                ('merge_ratio', ctypes.c_uint), ('phrase_grams', c_int)]


class WriterStats(ctypes.Structure):
    _fields_ = [('added', c_uint64), ('replaced', c_uint64), ('deleted', c_uint64),
                ('commits', c_uint64), ('merges', c_uint64), ('n_docs', c_uint64),
                ('generation', c_uint64), ('n_segments', c_uint32), ('has_changes', c_int)]


class Explain(ctypes.Structure):
    _fields_ = [('term', c_char_p), ('tf', c_uint32), ('df', c_uint64), ('idf', c_double),
                ('norm', c_double), ('score', c_double)]


def _candidates():
    env = os.environ.get('TRAWL_LIB')
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, '..', '..', '..'))
    found = [os.path.join(root, 'build', 'release', SONAME)]
    if _LIBDIR:
        found.append(os.path.join(_LIBDIR, SONAME))
    return [p for p in found if os.path.exists(p)] + [SONAME]


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(str(e))
    raise ImportError('trawl: cannot load %s (set TRAWL_LIB to its path): %s'
                      % (SONAME, '; '.join(errors)))


lib = _load()

_P = ctypes.POINTER
_PROTOS = {
    'trawl_strerror': (c_char_p, [c_int]),
    'trawl_errname': (c_char_p, [c_int]),
    'trawl_version': (c_char_p, []),
    'trawl_version_number': (ctypes.c_uint, []),
    'trawl_index_open': (c_int, [_P(c_void_p), _P(c_char_p), c_size_t, c_char_p, c_size_t]),
    'trawl_index_close': (None, [c_void_p]),
    'trawl_index_stats_sized': (c_int, [c_void_p, _P(Stats), c_size_t]),
    'trawl_index_check': (c_int, [c_void_p, c_char_p, c_size_t]),
    'trawl_options_init_sized': (c_int, [_P(Options), c_size_t]),
    'trawl_search_new': (c_int, [_P(c_void_p), c_void_p]),
    'trawl_search_free': (None, [c_void_p]),
    'trawl_search_run_sized': (c_int, [c_void_p, c_char_p, _P(Options), c_size_t]),
    'trawl_search_errmsg': (c_char_p, [c_void_p]),
    'trawl_search_error_column': (c_uint32, [c_void_p]),
    'trawl_search_count': (c_uint64, [c_void_p]),
    'trawl_search_count_is_exact': (c_int, [c_void_p]),
    'trawl_search_elapsed_us': (c_double, [c_void_p]),
    'trawl_search_hit_sized': (c_int, [c_void_p, c_size_t, _P(Hit), c_size_t]),
    'trawl_search_snippet_sized': (c_int, [c_void_p, c_size_t, c_size_t, _P(Snippet),
                                           c_size_t]),
    'trawl_search_text': (c_int, [c_void_p, c_size_t, _P(c_void_p), _P(c_size_t)]),
    'trawl_search_explain': (c_int, [c_void_p, c_size_t, _P(_P(Explain)), _P(c_size_t),
                                     _P(c_uint32)]),
}
# Calls a 1.x library may lack (the ABI only grows): the binding loads without them, and the
# classes that need them say so when used (see has()).
_LATER = {
    'trawl_index_reopen': (c_int, [c_void_p, _P(c_void_p), c_char_p, c_size_t]),
    'trawl_index_generation': (c_uint64, [c_void_p]),
    'trawl_writer_options_init_sized': (c_int, [_P(WriterOptions), c_size_t]),
    'trawl_writer_open_sized': (c_int, [_P(c_void_p), c_char_p, _P(WriterOptions), c_char_p,
                                        c_size_t, c_size_t]),
    'trawl_writer_close': (None, [c_void_p]),
    'trawl_writer_add': (c_int, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_uint32,
                                 _P(c_int)]),
    'trawl_writer_delete': (c_int, [c_void_p, c_char_p, c_size_t]),
    'trawl_writer_commit': (c_int, [c_void_p]),
    'trawl_writer_merge': (c_int, [c_void_p]),
    'trawl_writer_errmsg': (c_char_p, [c_void_p]),
    'trawl_writer_stat_sized': (c_int, [c_void_p, _P(WriterStats), c_size_t]),
    'trawl_qstats_new': (c_int, [_P(c_void_p)]),
    'trawl_qstats_free': (None, [c_void_p]),
    'trawl_index_qstats': (c_int, [c_void_p, _P(c_void_p)]),
    'trawl_search_qstats_sized': (c_int, [c_void_p, c_char_p, _P(Options), c_size_t,
                                          _P(c_void_p)]),
    'trawl_qstats_merge': (c_int, [c_void_p, c_void_p]),
    'trawl_search_run_global_sized': (c_int, [c_void_p, c_char_p, _P(Options), c_size_t,
                                              c_void_p]),
    'trawl_qstats_totals': (None, [c_void_p, _P(c_uint64), _P(c_uint64), _P(c_uint32)]),
    'trawl_qstats_count': (c_size_t, [c_void_p]),
    'trawl_qstats_entry': (c_int, [c_void_p, c_size_t, _P(c_int), _P(c_void_p), _P(c_size_t),
                                   _P(c_uint64)]),
    'trawl_qstats_encoded_size': (c_size_t, [c_void_p]),
    'trawl_qstats_encode': (c_int, [c_void_p, c_void_p, c_size_t]),
    'trawl_qstats_decode': (c_int, [_P(c_void_p), c_char_p, c_size_t, c_char_p, c_size_t]),
    'trawl_search_suggestion': (c_int, [c_void_p, _P(c_void_p), _P(c_size_t)]),
}
_missing = set()
for _table in (_PROTOS, _LATER):
    for _name, (_res, _args) in _table.items():
        _f = getattr(lib, _name, None)
        if _f is None and _table is _LATER:
            _missing.add(_name)
            continue
        if _f is None:
            raise ImportError('trawl: %s lacks %s' % (SONAME, _name))
        _f.restype = _res
        _f.argtypes = _args


def has(*names):
    """True if the loaded library exports every one of names."""
    return not _missing.intersection(names)

if lib.trawl_version_number() // 10000 != ABI_MAJOR:
    raise ImportError('trawl: %s is version %s, this binding needs major version %d'
                      % (SONAME, lib.trawl_version().decode(), ABI_MAJOR))
