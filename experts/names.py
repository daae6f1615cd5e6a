"""Where an expert's name is filed in the A–Z index: the family name, guessed from how it is written.

Korean, Chinese and Japanese names are often written family name first ("Lee Jae-Young", "Wang Yi",
"Abe Shinzo"), Western and Russian ones last ("Georgy Toloraya", "Анна Соколова"). The guess: when
the first word is a common East Asian family name and the last is not, the first word; else the
last. "Mei Tanaka" (given name first: Tanaka is a family name) goes under T. It is only a guess:
editors correct the sort name in the admin, and a corrected one is kept.

A page in Russian files the expert by the name it shows: the Russian one where given
(cyrillic_sort_name), the word in the place of the corrected sort name.
"""

import re

CYRILLIC = re.compile("[\u0400-\u04ff]")
CYRILLIC_LANGUAGES = {"ru", "uk", "be", "bg", "sr", "kk"}

# Romanised family names common in Korea, China and Japan (each spelling as names are printed).
EAST_ASIAN_FAMILY_NAMES = frozenset(
    " ".join(
        [
            "kim lee rhee park pak choi choe jung chung jeong kang cho jo yoon yun jang chang lim im",
            "han oh seo suh shin kwon hwang ahn an song yoo yu ryu hong jeon chun ko koh moon mun yang",
            "son sohn bae baek paik heo huh nam noh roh ha kwak sung cha joo ju woo min na jin chae won",
            "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo gao zheng",
            "liang xie tang feng deng cao peng zeng xiao tian dong pan yuan cai jiang du ye cheng wei",
            "su lu ding ren shen yao fu zhong xue qian xi hou bai qin dai tan fang kong sato suzuki",
            "takahashi tanaka watanabe ito yamamoto nakamura kobayashi kato yoshida yamada sasaki",
            "yamaguchi matsumoto inoue kimura hayashi shimizu yamazaki mori abe ikeda hashimoto",
            "ishikawa ogawa okada hasegawa fujita goto kondo murakami endo aoki sakamoto saito fukuda",
            "ota nishimura fujii okamoto matsuda nakajima harada ono tamura takeuchi kaneko wada nakano",
            "ueda morita hara shibata sakai kudo miyazaki kishida koizumi hatoyama noda kan aso fukuda",
        ]
    ).split()
)


def guess_sort_name(name):
    """The word of `name` the A–Z index files it under (see the module); "" for no name."""
    words = name.split()
    if not words:
        return ""
    first, last = words[0].casefold().strip(".,"), words[-1].casefold().strip(".,")
    if len(words) > 1 and first in EAST_ASIAN_FAMILY_NAMES and last not in EAST_ASIAN_FAMILY_NAMES:
        return words[0].strip(".,")
    return words[-1].strip(".,")


def cyrillic_sort_name(name, last_name, translations):
    """The word a page in a Cyrillic-script language files the expert under: `last_name` when the
    name it shows is the name as entered (already Cyrillic, or given in no Cyrillic language);
    else the word of the translated name in the place of `last_name` in `name`, first or last
    ("Lee Jae-Young" filed under Lee: "Ли Чжэ Ён" under Ли)."""
    shown = name
    if not CYRILLIC.search(name):
        for language in sorted(CYRILLIC_LANGUAGES & set(translations or {})):
            entry = translations[language]
            if isinstance(entry, dict) and CYRILLIC.search(entry.get("name") or ""):
                shown = entry["name"]
                break
    words, entered = shown.split(), name.split()
    if shown == name or not words:
        return last_name
    first = len(entered) > 1 and entered[0].strip(".,") == last_name
    return (words[0] if first else words[-1]).strip(".,")
