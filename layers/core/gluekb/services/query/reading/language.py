"""How technicians write: lower case, abbreviations, jargon and the odd typo.

Questions and record text are read into the same *terms*: lower-case words with abbreviations
expanded ("fw" -> "firewall", "creds" -> "credentials", "s/n" -> "serial"), crude stems
("servers" -> "server") and hostnames kept whole as well as split ("acme-fw01" -> "acme-fw01",
"acme", "fw01"). Matching two terms tolerates one typo in words of five letters or more and
leading zeros in numbers ("fw1" matches "fw01").
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise


def wordset(text: str) -> frozenset[str]:
    """A set of words written as one block of text (word lists read better that way)."""
    return frozenset(text.split())


# Words that never name a thing or an attribute.
_STOPWORDS = wordset(
    """
    before after during while until since once
    a an the of at for in on to do does did is are was were be been being am what whats what's
    which who whom whose where wheres when how hows i we you they our your their there it its
    this that these those me us my any some all and or with from by about please pls plz can
    could would tell show give get find look up lookup need want know let s t d ll re ve m has
    have had one anything something info information details detail currently current again also
    just still ok okay hey hi thanks thank yes no via into as if so then than use used using
    uses got go going gonna kinda sorta real really exactly quick quickly here now today pull
    bring see check his her hers him he she them theirs yours mine ours send sending sent tech
    techs out someone somebody asap urgent urgently help trying try wanna talking phone-call
    ticket customer's right off onto over under per much many lot lots grab fetch say says said
    """
)

# Abbreviations and jargon -> the words records use. Multi-word expansions are split.
ABBREVIATIONS: dict[str, str] = {
    "fw": "firewall", "fws": "firewalls", "fwl": "firewall", "firewal": "firewall",
    "gw": "gateway", "dgw": "default gateway", "gtw": "gateway",
    "dc": "domain controller", "dcs": "domain controllers", "pdc": "domain controller",
    "sw": "switch", "sws": "switches", "swt": "switch", "swtch": "switch",
    "ap": "access point", "aps": "access points", "wap": "access point", "waps": "access points",
    "srv": "server", "svr": "server", "serv": "server", "srvs": "servers", "svrs": "servers",
    "box": "server", "boxes": "servers", "host": "server", "hosts": "servers", "vm": "server",
    "prn": "printer", "prnt": "printer", "copier": "printer", "mfp": "printer",
    "bkp": "backup", "bkup": "backup", "bak": "backup", "bu": "backup", "backups": "backup",
    "creds": "credentials", "cred": "credentials", "credential": "credentials",
    "login": "username", "logon": "username", "userid": "username", "uname": "username",
    "admn": "admin", "adm": "admin", "cmd": "command", "cmds": "commands", "cli": "command",
    "pw": "password", "pwd": "password", "passwd": "password", "pass": "password",
    "pws": "passwords", "pwds": "passwords",
    "sn": "serial", "s/n": "serial", "serialno": "serial", "ser": "serial",
    "addr": "address", "loc": "location", "locn": "location",
    "mfr": "manufacturer", "mfg": "manufacturer", "manuf": "manufacturer", "brand": "manufacturer",
    "ver": "version", "vers": "version", "rev": "version",
    "wifi": "wireless", "wi-fi": "wireless", "wlan": "wireless", "wireless": "wireless",
    "psk": "pre shared key", "passphrase": "pre shared key", "wpa": "security",
    "isp": "internet provider", "carrier": "provider", "uplink": "internet",
    "o365": "microsoft 365", "m365": "microsoft 365", "office365": "microsoft 365",
    "ilo": "oob", "idrac": "oob", "drac": "oob", "ipmi": "oob", "bmc": "oob", "lom": "oob",
    "db": "database", "dbs": "databases", "mssql": "sql", "sqlserver": "sql",
    "exch": "exchange", "ad": "active directory", "dns": "dns", "dhcp": "dhcp",
    "ip": "ip", "ips": "ip", "ipaddr": "ip", "mac": "mac", "macs": "mac",
    "hq": "headquarters", "tel": "phone", "ph": "phone", "cell": "mobile", "cellphone": "mobile",
    "telephone": "phone", "num": "number", "no": "number", "#": "number",
    "config": "configuration", "cfg": "configuration", "conf": "configuration",
    "configs": "configuration",
    "acct": "account", "mgmt": "management", "mgt": "management",
    "cidr": "subnet", "netmask": "subnet", "mask": "subnet", "range": "subnet",
    "exp": "expire", "expiry": "expire", "expiration": "expire", "expires": "expire",
    "expiring": "expire", "expired": "expire", "renewal": "expire", "renew": "expire",
    "reg": "registrar", "registered": "registrar", "registration": "registrar",
    "e-mail": "email", "mail": "email", "emails": "email",
    "ups": "ups", "nas": "nas", "san": "storage",
    "os": "operating system", "firmware": "operating system",
    "laptops": "laptop", "notebook": "laptop", "notebooks": "laptop",
    "desktop": "workstation", "desktops": "workstation", "pc": "workstation",
    "pcs": "workstation", "computer": "workstation", "computers": "workstation",
    "rdp": "remote desktop", "rds": "remote desktop", "ts": "remote desktop",
    "hyperv": "hyper-v", "hypervisor": "hyper-v",
    "vpn": "vpn", "sslvpn": "vpn",
    "url": "url", "urls": "url", "link": "url", "links": "url", "website": "url",
    "webpage": "url", "portal": "url", "gui": "url", "webui": "url",
    "warr": "warranty", "warrenty": "warranty", "waranty": "warranty",
    "bw": "bandwidth", "speed": "bandwidth", "mbps": "bandwidth", "gbps": "bandwidth",
    "cid": "circuit", "ckt": "circuit",
    "sa": "sa", "svc": "service", "acc": "account",
    "hostname": "hostname", "fqdn": "hostname", "dnsname": "hostname",
    "ssids": "ssid",
}  # fmt: skip

# Synonyms: a question word -> other words a record may use for the same thing.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "main": ("primary", "core", "headquarters", "important"),
    "primary": ("main", "core", "headquarters", "important"),
    "core": ("main", "primary"),
    "headquarters": ("primary", "main"),
    "office": ("location", "site", "headquarters"),
    "site": ("location", "office"),
    "branch": ("office", "location"),
    "reboot": ("restart",),
    "restart": ("reboot",),
    "expire": ("expires",),
    "maker": ("manufacturer",),
    "make": ("manufacturer",),
    "database": ("sql",),
    "sql": ("database",),
    "email": ("exchange", "microsoft 365", "google workspace"),
    "oob": ("ilo", "idrac"),
    "wireless": ("wi-fi", "ssid"),
    "internet": ("wan",),
    "wan": ("internet",),
    "lan": ("internal",),
    "internal": ("lan",),
    "credentials": ("password", "admin"),
    "password": ("credentials",),
    "admin": ("administrator",),
    "administrator": ("admin",),
    "m365": ("microsoft 365",),
    "storage": ("nas",),
    "phone": ("number",),
    "keep": ("retention",),
    "kept": ("retention",),
    "retain": ("retention",),
}

_WORD = re.compile(r"[a-z0-9#@][a-z0-9#@&._:/'-]*")
_TRIM = ".,:;'/-#"


def normalise(text: str) -> str:
    """Lower case, typographic quotes straightened, anything else left in place."""
    return (
        text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    ).replace("\u201d", '"')


def raw_words(text: str) -> list[str]:
    """Words as typed: lower case, trailing punctuation and possessive 's dropped."""
    found = []
    for match in _WORD.finditer(normalise(text)):
        word = match.group(0).strip(_TRIM)
        word = word.removesuffix("'s").removesuffix("'")
        if word:
            found.append(word)
    return found


def stem(word: str) -> str:
    """Plural and verb endings off ('servers' -> 'server', 'switches' -> 'switch')."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement in (
        ("ies", "y"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("sses", "ss"),
        ("xes", "x"),
        ("oes", "o"),
    ):
        if word.endswith(suffix):
            return word[: -len(suffix)] + replacement
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    if len(word) > 6 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    return word


def expand(word: str) -> list[str]:
    """A typed word as the record words it stands for."""
    if word in ABBREVIATIONS:
        return ABBREVIATIONS[word].split()
    stemmed = stem(word)
    if stemmed in ABBREVIATIONS:
        return ABBREVIATIONS[stemmed].split()
    return [stemmed]


# Two typed words that are one term.
COMPOUNDS: dict[tuple[str, str], str] = {
    ("back", "up"): "backup", ("set", "up"): "setup", ("log", "in"): "login",
    ("log", "into"): "login", ("log", "on"): "login", ("sign", "in"): "login",
    ("sign", "into"): "login", ("wi", "fi"): "wireless", ("e", "mail"): "email",
    ("host", "name"): "hostname", ("user", "name"): "username", ("hyper", "v"): "hyper-v",
    ("new", "hire"): "onboarding", ("new", "starter"): "onboarding",
    ("new", "employee"): "onboarding", ("leaver", "process"): "offboarding",
}  # fmt: skip


def _compounded(words: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for first, second in pairwise([*words, ""]):
        if skip:
            skip = False
            continue
        joined = COMPOUNDS.get((first, second))
        out.append(joined or first)
        skip = joined is not None
    return out


def terms(text: str) -> list[str]:
    """The question's (or a text's) terms: expanded, stemmed, in order, duplicates kept."""
    out: list[str] = []
    for word in _compounded(raw_words(text)):
        out += expand(word)
    return out


@lru_cache(maxsize=8192)
def text_terms(text: str) -> frozenset[str]:
    """Every term a record text offers for matching: words whole and split on - . / _ ,
    stemmed and expanded."""
    found: set[str] = set()
    for word in raw_words(text):
        found.add(word)
        parts = [p for p in re.split(r"[-._/:]", word) if p]
        for part in [word, *parts]:
            found.update(expand(part))
            found.add(stem(part))
    return frozenset(found)


def digits_folded(word: str) -> str:
    """'fw01' and 'fw1' read alike: leading zeros of numbers inside a word dropped."""
    return re.sub(r"(?<![0-9])0+(?=[0-9])", "", word)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with transpositions, stopping early beyond `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def typo_limit(word: str) -> int:
    if len(word) >= 8:
        return 2
    return 1 if len(word) >= 5 else 0


@lru_cache(maxsize=65536)
def same_word(a: str, b: str) -> bool:
    """Equal; equal once numbers are folded ("fw1", "fw01"); one a word form of the other
    ("onboard", "onboarding"); or one typo apart (two in long words). Words with digits are
    names and numbers: never approximately equal ("prn02" is not "prn03")."""
    if a == b or digits_folded(a) == digits_folded(b):
        return True
    if not (a.isalpha() and b.isalpha()):  # names, numbers, domains, addresses: exact only
        return False
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 5 and longer.startswith(shorter) and len(shorter) >= 0.6 * len(longer):
        return True
    limit = min(typo_limit(a), typo_limit(b))
    if limit == 0 or a[0] != b[0] or (limit > 1 and a[1] != b[1]):
        return False
    return edit_distance(a, b, limit) <= limit


def matches_any(word: str, vocabulary: frozenset[str]) -> bool:
    """`word` is one of `vocabulary`, or `same_word` as one (which never changes the first
    letter, so only words sharing it are compared)."""
    if word in vocabulary:
        return True
    if not word:
        return False
    return any(same_word(word, other) for other in _by_initial(vocabulary).get(word[0], ()))


@lru_cache(maxsize=4096)
def _by_initial(vocabulary: frozenset[str]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for word in vocabulary:
        if word:
            index.setdefault(word[0], []).append(word)
    return {initial: tuple(words) for initial, words in index.items()}


def synonyms(word: str) -> tuple[str, ...]:
    return (word, *SYNONYMS.get(word, ()))


def phrase_in(phrase: tuple[str, ...], sequence: list[str]) -> int:
    """Where `phrase` (terms) occurs in `sequence`, fuzzily; -1 when it does not."""
    size = len(phrase)
    for start in range(len(sequence) - size + 1):
        if all(same_word(phrase[k], sequence[start + k]) for k in range(size)):
            return start
    return -1


STOPWORDS = _STOPWORDS | {stem(w) for w in _STOPWORDS}
