"""Word lists the answer stage reasons with: places, data types, recipients and practice verbs.

These are data, not logic: each entry maps a canonical name to the regular-expression stems that
name it in policy text. Matching is case-insensitive and on word boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# Regions a policy may name instead of a country. Members are canonical place names.
_EU = (
    "Austria Belgium Bulgaria Croatia Cyprus Czechia Denmark Estonia Finland France Germany Greece "
    "Hungary Ireland Italy Latvia Lithuania Luxembourg Malta Netherlands Poland Portugal Romania "
    "Slovakia Slovenia Spain Sweden"
).split()
REGIONS: dict[str, frozenset[str]] = {
    "European Union": frozenset(_EU),
    "European Economic Area": frozenset(_EU + ["Iceland", "Liechtenstein", "Norway"]),
    "Europe": frozenset(
        _EU + ["Iceland", "Liechtenstein", "Norway", "Switzerland", "United Kingdom", "Ukraine"]
    ),
}

PLACES: dict[str, tuple[str, ...]] = {
    "European Economic Area": (r"EEA", r"European Economic Area"),
    "European Union": (r"EU", r"European Union"),
    "Europe": (r"Europe", r"European"),
    "United States": (
        r"United States(?: of America)?",
        r"U\.S\.A?\.?",
        r"US",
        r"USA",
        r"America",
        r"American",
    ),
    "China": (r"China", r"PRC", r"People'?s Republic of China", r"mainland China", r"Chinese"),
    "Hong Kong": (r"Hong Kong",),
    "Taiwan": (r"Taiwan",),
    "Singapore": (r"Singapore",),
    "Japan": (r"Japan", r"Japanese"),
    "South Korea": (r"(?:South )?Korea", r"Korean"),
    "India": (r"India", r"Indian"),
    "Indonesia": (r"Indonesia",),
    "Vietnam": (r"Viet ?nam",),
    "Thailand": (r"Thailand",),
    "Malaysia": (r"Malaysia",),
    "Philippines": (r"Philippines",),
    "Australia": (r"Australia", r"Australian"),
    "New Zealand": (r"New Zealand",),
    "Canada": (r"Canada", r"Canadian"),
    "Mexico": (r"Mexico",),
    "Brazil": (r"Brazil", r"Brasil", r"Brazilian"),
    "Argentina": (r"Argentina",),
    "Chile": (r"Chile",),
    "Colombia": (r"Colombia",),
    "Russia": (r"Russia", r"Russian Federation"),
    "Ukraine": (r"Ukraine",),
    "Turkey": (r"Turkey", r"T[üu]rkiye"),
    "Israel": (r"Israel",),
    "Saudi Arabia": (r"Saudi Arabia",),
    "United Arab Emirates": (r"United Arab Emirates", r"UAE"),
    "Egypt": (r"Egypt",),
    "Nigeria": (r"Nigeria",),
    "South Africa": (r"South Africa",),
    "Kenya": (r"Kenya",),
    "United Kingdom": (r"United Kingdom", r"UK", r"U\.K\.", r"Great Britain", r"Britain"),
    "Switzerland": (r"Switzerland", r"Swiss"),
    "Norway": (r"Norway",),
    "Iceland": (r"Iceland",),
    "Liechtenstein": (r"Liechtenstein",),
    **{c: (c,) for c in _EU if c not in {"Czechia", "Netherlands"}},
    "Czechia": (r"Czechia", r"Czech Republic"),
    "Netherlands": (r"(?:the )?Netherlands", r"Holland"),
}

# Data types a person may ask about; several names for the same kind of data.
DATA_TYPES: dict[str, tuple[str, ...]] = {
    "fingerprints": (r"fingerprints?", r"finger ?prints?", r"biometrics?"),
    "face data": (
        r"face ?prints?",
        r"facial",
        r"face (?:id|recognition|geometry|scans?)",
        r"biometrics?",
    ),
    "voice recordings": (
        r"voice(?:prints?| recordings?| data)?",
        r"audio recordings?",
        r"biometrics?",
    ),
    "biometric data": (r"biometrics?", r"fingerprints?", r"facial recognition"),
    "location": (r"locations?", r"geo-?locations?", r"GPS", r"geographic"),
    "health data": (r"health", r"medical"),
    "genetic data": (r"genetic", r"DNA"),
    "contacts": (r"contacts? (?:lists?|book)", r"address ?book", r"phone ?book", r"contacts"),
    "photos": (r"photos?", r"photographs?", r"pictures?", r"images?"),
    "camera": (r"cameras?",),
    "microphone": (r"microphones?",),
    "messages": (r"messages?", r"chats?", r"correspondence", r"communications"),
    "payment data": (
        r"payment information",
        r"(?:credit|debit)(?:/debit)? ?card",
        r"card numbers?",
        r"bank account",
    ),
    "IP address": (r"IP address(?:es)?",),
    "email address": (r"e-?mail address(?:es)?",),
    "phone number": (r"(?:tele)?phone numbers?", r"mobile numbers?"),
    "browsing history": (r"browsing (?:history|records|patterns|activities)", r"pages? viewed"),
    "device identifiers": (
        r"device (?:identifiers?|identification numbers?|ids?)",
        r"IMEI",
        r"advertising id",
    ),
    "passwords": (r"passwords?",),
    "social security number": (
        r"social security numbers?",
        r"SSN",
        r"national id(?:entity)? (?:number|card)",
    ),
    "passport": (r"passports?",),
    "religion": (r"religio(?:n|us)",),
    "political opinions": (r"political",),
    "sexual orientation": (r"sexual",),
    "racial or ethnic origin": (r"rac(?:e|ial)", r"ethnic(?:ity)?"),
    "criminal records": (r"criminal",),
    "income": (r"income", r"salary"),
}

# Recipients and kinds of third party.
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "advertisers": (
        r"advertis(?:ers?|ing (?:platforms?|partners?|networks?|companies))",
        r"marketing (?:and advertising )?platforms?",
        r"ad networks?",
    ),
    "law enforcement": (r"law enforcement", r"police", r"government", r"regulatory"),
    "data brokers": (r"data brokers?",),
    "affiliates": (r"affiliates?", r"group companies", r"(?:Alibaba )?Group"),
    "service providers": (r"service providers?", r"vendors?", r"processors?"),
    "Google": (r"Google",),
    "Facebook": (r"Facebook", r"Meta"),
    "Twitter": (r"Twitter",),
    "Instagram": (r"Instagram",),
    "Amazon": (r"Amazon",),
    "Microsoft": (r"Microsoft", r"Bing"),
    "Apple": (r"Apple",),
    "TikTok": (r"TikTok", r"ByteDance"),
    "Tencent": (r"Tencent", r"WeChat"),
    "Baidu": (r"Baidu",),
    "Yandex": (r"Yandex",),
    "Criteo": (r"Criteo",),
}

# Practice verbs of a question, with the words a policy uses for the same practice.
ACTIONS: dict[str, tuple[str, ...]] = {
    "transfer": (
        r"transfer(?:s|red|ring)?",
        r"sen[dt](?:s|ing)?",
        r"transmit(?:s|ted|ting)?",
        r"mov(?:e|ed|es|ing)",
        r"stored? (?:on servers )?in",
        r"servers in",
        r"processed in",
        r"cross-border",
    ),
    "share": (
        r"shar(?:e|es|ed|ing)",
        r"disclos(?:e|es|ed|ing|ure)",
        r"provide access",
        r"giv(?:e|es|en|ing)",
        r"transfer(?:s|red)?",
        r"pass(?:es|ed)? on",
    ),
    "sell": (
        r"sell(?:s|ing)?",
        r"sold",
        r"sale of (?:your )?(?:personal )?(?:information|data)",
        r"rent(?:s|ing)?",
        r"trade(?:s|d)?",
    ),
    "collect": (
        r"collect(?:s|ed|ing|ion)?",
        r"gather(?:s|ed|ing)?",
        r"obtain(?:s|ed)?",
        r"receiv(?:e|es|ed)",
        r"record(?:s|ed)?",
        r"ask (?:you )?(?:for|to provide)",
        r"provide",
    ),
    "use": (r"us(?:e|es|ed|ing)", r"process(?:es|ed|ing)?"),
    "track": (r"track(?:s|ed|ing)?", r"cookies?", r"web beacons?", r"pixels?"),
    "keep": (
        r"retain(?:s|ed)?",
        r"retention",
        r"keep(?:s|ing)?",
        r"kept",
        r"stor(?:e|es|ed|ing|age)",
        r"hold(?:s|ing)?",
    ),
    "delete": (
        r"delet(?:e|es|ed|ing|ion)",
        r"eras(?:e|ed|ure)",
        r"remov(?:e|ed|al)",
        r"anonymi[sz]e",
    ),
    "access": (r"access(?:ing)?", r"copy of", r"portability"),
    "correct": (r"correct(?:ion)?", r"updat(?:e|ing)", r"rectif(?:y|ication)", r"edit(?:ed)?"),
    "object": (r"object(?:ion)?", r"opt(?:-| )?out", r"unsubscribe", r"withdraw"),
    "protect": (
        r"protect(?:s|ed|ion)?",
        r"secur(?:e|ity)",
        r"encrypt(?:s|ed|ion)?",
        r"safeguards?",
    ),
    "notify": (r"notif(?:y|ied|ication)", r"inform(?:s|ed)?", r"let you know"),
    "contact": (r"contact(?:ing)?", r"reach", r"e-?mail us"),
}

# Question words that select a practice verb.
QUESTION_ACTIONS: dict[str, str] = {
    "send": "transfer",
    "sent": "transfer",
    "transfer": "transfer",
    "transferred": "transfer",
    "transmit": "transfer",
    "transmitted": "transfer",
    "move": "transfer",
    "moved": "transfer",
    "share": "share",
    "shared": "share",
    "disclose": "share",
    "disclosed": "share",
    "give": "share",
    "given": "share",
    "sell": "sell",
    "sold": "sell",
    "rent": "sell",
    "collect": "collect",
    "collected": "collect",
    "gather": "collect",
    "gathered": "collect",
    "record": "collect",
    "recorded": "collect",
    "obtain": "collect",
    "receive": "collect",
    "use": "use",
    "used": "use",
    "process": "use",
    "processed": "use",
    "track": "track",
    "tracked": "track",
    "keep": "keep",
    "kept": "keep",
    "retain": "keep",
    "retained": "keep",
    "store": "keep",
    "stored": "keep",
    "hold": "keep",
    "delete": "delete",
    "deleted": "delete",
    "erase": "delete",
    "erased": "delete",
    "remove": "delete",
    "access": "access",
    "download": "access",
    "correct": "correct",
    "update": "correct",
    "fix": "correct",
    "opt": "object",
    "object": "object",
    "unsubscribe": "object",
    "withdraw": "object",
    "protect": "protect",
    "protected": "protect",
    "encrypt": "protect",
    "encrypted": "protect",
    "secure": "protect",
    "notify": "notify",
    "notified": "notify",
    "inform": "notify",
    "informed": "notify",
    "contact": "contact",
    # nouns name the same practices: "request deletion", "data sharing", "cross-border transfers"
    "deletion": "delete",
    "erasure": "delete",
    "removal": "delete",
    "correction": "correct",
    "sharing": "share",
    "disclosure": "share",
    "collection": "collect",
    "transfers": "transfer",
    "retention": "keep",
    "storage": "keep",
    "sale": "sell",
    "tracking": "track",
    "encryption": "protect",
    "notification": "notify",
}

# Words of a question that name nothing specific the policy would have to mention.
GENERIC_WORDS = frozenset(
    """a an the my me i mine our ours your yours you we us it its they them their this that these
    those is are was were be been being do does did done can could will would shall should may might
    must has have had having to of in on at by for from with about into onto over under out up down
    off as and or but if then than so not no nor any all some each every other such own same too very
    just also only ever even still yet already again please tell know let whether there here when
    where what which who whom whose why how data information info personal details detail stuff
    things thing anything something everything policy privacy company companies app apps website
    site sites platform service services account accounts user users people person customer customers
    collect collected collecting use used using share shared sharing send sent transfer transferred
    process processed store stored keep kept retain retained hold delete deleted erase remove access
    sell sold give given disclose disclosed provide provided get got make made allow allowed let
    able long forever time times ever anyone someone party parties third outside inside within
    country countries abroad overseas internationally international""".split()
)

ASK_WORDS = frozenset(
    "is are was were do does did can could will would shall should may might must has have had".split()
)
INFO_WORDS = frozenset("how what who whom whose which where when why list describe explain".split())


@dataclass(frozen=True, slots=True)
class Term:
    """A thing a question names, with the patterns that find it in policy text."""

    kind: str  # "place", "data", "recipient", "word"
    name: str
    pattern: re.Pattern[str]


@cache
def compile_terms(stems: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive, word-bounded regex for a tuple of stems."""
    # Short upper-case abbreviations (US, UK, EU) only match as written, so "us" is not the USA.
    upper = [s for s in stems if re.fullmatch(r"[A-Z]{2,4}", s)]
    other = [s for s in stems if s not in upper]
    parts = []
    if other:
        parts.append(r"(?i:\b(?:" + "|".join(other) + r")\b)")
    if upper:
        parts.append(r"\b(?:" + "|".join(upper) + r")\b")
    return re.compile("|".join(parts))


def region_of(place: str) -> list[str]:
    """Regions (EEA, EU, Europe) that include ``place``."""
    return [r for r, members in REGIONS.items() if place in members]
