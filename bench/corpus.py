"""Deterministic text for benchmark archives: topical English, Russian and Azerbaijani words."""

from __future__ import annotations

import random

ENGLISH = """
access accountability activist advocacy algorithm amnesty appeal archive arrest assembly
association asylum authority ban blogger blocking border broadcast campaign censorship
charter citizen civil coalition commission community conference constitution convention
correspondent council court coverage crackdown criminal data debate defamation defender
democracy deputy detention dialogue digital diplomat dissent documentary editor election
embassy encryption equality evidence exile expression family filter freedom funding
government guarantee hearing history human independent information injustice internet
interview investigation journalist judge jurisdiction justice lawyer legislation liberty
licence litigation media memory minister monitor movement network newspaper observer
online opinion opposition parliament participation petition platform police policy
political press prison privacy prosecutor protest public publisher radio reform release
report reporter repression research rights ruling safety sanction security sentence
shutdown silence society solidarity source speech statement story student support
surveillance survey testimony threat torture trade training transparency trial tribunal
union university verdict victim video violation voice volunteer vote website witness
women workshop writer youth morning evening winter summer village city capital region
mother father brother sister friend neighbour teacher doctor farmer worker letter phone
message camera street square river mountain road school library hospital market
""".split()

RUSSIAN = """
свобода слова право человек журналист суд тюрьма интернет цензура блокировка закон
общество защитник правозащитник газета редакция статья интервью свидетель приговор
арест задержание протест митинг правительство парламент выборы голос память история
безопасность доступ информация сеть письмо друг семья город деревня улица школа
свиданья надежда правда справедливость солидарность адвокат прокурор судья власть
""".split()

AZERBAIJANI = """
azadlıq söz hüquq insan jurnalist məhkəmə həbsxana internet senzura qanun cəmiyyət
müdafiəçi qəzet redaksiya məqalə müsahibə şahid hökm həbs etiraz hökumət parlament
seçki səs yaddaş tarix təhlükəsizlik məlumat şəbəkə məktub dost ailə şəhər kənd küçə
məktəb ümid həqiqət ədalət həmrəylik vəkil prokuror hakim Bakı Gəncə Sumqayıt Əliyev
Məmmədov Hüseynova Quliyev İsmayılova çətinlik gözəl öyrənmək
""".split()

FIRST_NAMES = """Leyla Rasul Anar Nigar Elnur Gunel Arif Sevinj Ilkin Aysel Maria Olga Ivan
Dmitri Anna Natalia Sergei Jane John Amira Omar Fatima David Sarah Tomas Elena Nino Giorgi
Ani Armen""".split()
LAST_NAMES = """Aliyeva Mammadov Huseynova Guliyev Ismayilova Petrova Ivanov Sokolova Roe Doe
Haddad Nasser Kowalski Novak Beridze Kapanadze Sargsyan Hakobyan Müller Öztürk Çelik Şahin""".split()

LANGUAGES = {"en": ENGLISH, "ru": RUSSIAN, "az": AZERBAIJANI}


def sentence(rng: random.Random, words: list[str], low: int = 8, high: int = 22) -> str:
    text = " ".join(rng.choice(words) for _ in range(rng.randint(low, high)))
    return text[0].upper() + text[1:] + "."  # not str.capitalize: it lowercases "İsmayılova"


def paragraph(rng: random.Random, words: list[str], size: int) -> str:
    """About `size` words in sentences."""
    out, count = [], 0
    while count < size:
        text = sentence(rng, words)
        out.append(text)
        count += text.count(" ") + 1
    return " ".join(out)


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def title(rng: random.Random, words: list[str]) -> str:
    text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 8)))
    return text[0].upper() + text[1:]


def query_mix(count: int = 200, seed: int = 7) -> list[str]:
    """`count` distinct search queries of one, two and three words, mostly English."""
    rng = random.Random(seed)
    pool = ENGLISH * 4 + RUSSIAN + AZERBAIJANI
    seen: list[str] = []
    while len(seen) < count:
        size = 1 + len(seen) % 3
        query = " ".join(rng.choice(pool) for _ in range(size))
        if query not in seen:
            seen.append(query)
    return seen
