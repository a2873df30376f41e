"""Chinese text for matching and search: normalising, folding variants, jieba words, characters.

    normalise("区督察局 ２０２１")   # -> "区督察局 2021" (NFKC, collapsed spaces)
    fold("区督察局")               # -> "区督查局" (variant characters folded, for comparison)
    words("重大项目集中开工")       # -> ["重大", "项目", "重大项目", "集中", "开工"]
    chars("项目2021年")            # -> ["项", "目", "2021", "年"]

jieba is imported on first use and loads its dictionary once per process (about a
second): the web app starts that in a background thread at its first request
(`warm_up_in_background`); CLI commands and push workers that never segment text never
pay for it; every call waits for the load if needed. Under gunicorn the master loads it
before forking (deploy/gunicorn.conf.py), so no worker's first searches wait for it.
"""

import logging
import os
import re
import threading
import time
import unicodedata


# Characters people (and OCR) confuse in department names: both sides compare equal.
VARIANTS = str.maketrans({
    "察": "查", "査": "查", "囯": "国", "國": "国", "區": "区", "縣": "县", "鎮": "镇",
    "辦": "办", "會": "会", "處": "处", "農": "农", "衛": "卫", "資": "资",
    "計": "计", "審": "审", "財": "财", "稅": "税", "檢": "检", "劃": "划", "規": "规",
    "經": "经", "濟": "济", "環": "环", "發": "发", "設": "设", "與": "与",
})
TOKEN = re.compile(r"[0-9a-z]+|[^\W_]")  # ASCII runs whole; any other letter or ideograph alone
WORD = re.compile(r"[^\W_]+")  # a run of letters, digits or ideographs
log = logging.getLogger(__name__)
_words_added = set()
_lock = threading.Lock()
_started = False
_module = None


def _jieba():
    """The jieba module, imported on first use (it costs a third of a second)."""
    global _module
    if _module is None:
        import jieba

        jieba.setLogLevel(60)  # its "Building prefix dict" chatter is not for operators
        _module = jieba
    return _module


def normalise(text):
    """`normalise("ＡＢ　c")` -> "ab c": NFKC, lower case, runs of whitespace as one space."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def fold(text):
    """`fold("督察局")` -> "督查局": normalised, spaces removed, variant characters folded."""
    return normalise(text).replace(" ", "").translate(VARIANTS)


def chars(text):
    """`chars("项目 2021年")` -> ["项", "目", "2021", "年"]: the character stream search phrases use."""
    return TOKEN.findall(normalise(text))


def words(text):
    """`words("重大项目")` -> ["重大", "项目", "重大项目"]: jieba search-mode words, punctuation dropped."""
    warm_up()
    found = []
    for word in _jieba().cut_for_search(normalise(text)):
        word = " ".join(WORD.findall(word))
        if word:
            found.append(word)
    return found


def query_words(text):
    """`query_words("疫情防控")` -> ["疫情", "防控"]: jieba precise mode, for the words of a query."""
    warm_up()
    found = []
    for word in _jieba().cut(normalise(text)):
        word = " ".join(WORD.findall(word))
        if word:
            found.append(word)
    return found


def add_words(names):
    """`add_words(["区督查局"])`: keep these names whole when jieba segments text."""
    new = [name for name in names if name and name not in _words_added]
    if not new:
        return
    warm_up()
    with _lock:
        for name in new:
            _jieba().add_word(name, freq=20000)
            _words_added.add(name)


def warm_up():
    """Load jieba's dictionary now (once per process; later calls return at once)."""
    jieba = _jieba()
    if jieba.dt.initialized:
        return
    with _lock:  # one thread loads; the others wait for it here
        if not jieba.dt.initialized:
            started = time.monotonic()
            jieba.initialize()
            log.info("jieba's dictionary loaded in %.1f s (pid %d)", time.monotonic() - started,
                     os.getpid())


def warm_up_in_background():
    """Start loading jieba in a thread, once per process (cheap to call on every request)."""
    global _started
    if not _started:
        _started = True
        threading.Thread(target=warm_up, name="jieba-warm-up", daemon=True).start()


def _after_fork_in_child():
    # A fork (gunicorn --preload) during the background load would leave jieba's lock held
    # by a thread that does not exist in the child: give the child fresh locks.
    global _lock
    _lock = threading.Lock()
    if _module is not None and not _module.dt.initialized:
        _module.dt.lock = threading.RLock()
        _module.DICT_WRITING.clear()  # per-dictionary cache-writing locks


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
