"""Reading a thread message as the method would: advice dressed as a question, a judgment, how many questions.

English and French, as people type them: accents or not, curly apostrophes, spoken French without "ne",
inversions with "-t-il". A false alarm is worse than a miss (the hint tells someone they did wrong when
they did right), so the patterns are narrow, and a question that asks the client for facts ("What have
you tried so far?", "Qu'as-tu déjà envisagé ?") is never taken for advice, however it is worded.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Remark(StrEnum):
    ADVICE = "advice"  # a solution, proposed rather than asked for
    JUDGMENT = "judgment"  # a verdict on the client or on what they did


# ---- normalising ---------------------------------------------------------------------------------------------
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_SLACK_TOKEN = re.compile(r"<[^<>\s][^<>]*>")  # <@U123>, <#C1|x>, <https://…|label>
_EMOJI = re.compile(r":[a-z0-9_+\-']+:")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+")
_INVERSION = re.compile(r"-t-(il|elle|on|ils|elles)\b")
_HYPHENATED_PRONOUN = re.compile(r"(?<=[a-z])-(tu|vous|il|elle|ils|elles|on|je|nous|ce|moi|toi|en|y)\b")
_T_ELISION = re.compile(r"\bt'(as|es|avais|etais|aurais)\b")  # spoken "t'as" is "tu as"; "tu t'es" stays
_ELISION = re.compile(r"\b(qu|[cdjlmnst])'")
_EN_NOT = re.compile(r"\b(would|could|should|do|does|did|is|are|was|were|have|has|had|must)nt\b")


def fold(text: str) -> str:
    """Lower case, no accents, straight apostrophes, French elisions and inversions spelled out.

    "Qu’as-tu essayé ?" becomes "que as tu essaye ?", "Ne serait-il pas…" "ne serait il pas…",
    "t'as pensé" "tu as pense", "wouldnt" "wouldn't"; Slack tokens, emoji, code and links are dropped.
    """
    text = _CODE.sub(" ", text)
    text = _SLACK_TOKEN.sub(" ", text)
    text = _URL.sub(" ", text)
    text = text.translate(_APOSTROPHES).lower()
    text = _EMOJI.sub(" ", text)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = text.replace("\u0153", "oe").replace("\u00e6", "ae")
    text = _INVERSION.sub(r" \1", text)
    text = text.replace("est-ce", "est ce")
    text = _HYPHENATED_PRONOUN.sub(r" \1", text)
    text = _T_ELISION.sub(r"tu \1", text)
    text = _ELISION.sub(lambda m: ("que" if m.group(1) == "qu" else m.group(1) + "e") + " ", text)
    text = _EN_NOT.sub(r"\1n't", text).replace("cant ", "can't ").replace("cannot", "can't")
    text = re.sub(r"\b(you|they)re\b", r"\1're", text)
    text = re.sub(r"\bu\b", "you", re.sub(r"\bur\b", "your", text)).replace("peut-etre", "peut etre")
    return _SPACES.sub(" ", text).strip()


_SENTENCE_END = re.compile(r"(?:[.!?;\n]|: |\.\.\.|\u2026)+")


def _sentences(folded: str) -> list[tuple[str, bool]]:
    """(sentence, is a question) pieces of a folded text."""
    pieces: list[tuple[str, bool]] = []
    start = 0
    for match in _SENTENCE_END.finditer(folded):
        sentence = folded[start : match.start()].strip(" ,:-")
        if sentence:
            pieces.append((sentence, "?" in match.group()))
        start = match.end()
    rest = folded[start:].strip(" ,:-")
    if rest:
        pieces.append((rest, False))
    return pieces


# ---- advice ------------------------------------------------------------------------------------------------
# "Pourquoi tu n'aimes pas ce poste ?" asks for a reason: verbs of feeling, wanting, knowing propose nothing.
_STATIVE = (
    r"(aimes|aimez|sens|sentez|veux|voulez|crois|croyez|penses|pensez|sais|savez|comprends|comprenez|as|avez|es|"
    r"etes|supportes|supportez|trouves|trouvez|vois|voyez|ressens|ressentez)\b"
)

# Always a proposal, wherever they stand in a sentence.
_ADVICE_ALWAYS = [
    # English
    # "Why don't you ask her?" proposes; "Why don't you like it?", "Why didn't they tell you?" ask for a reason
    r"\bwhy (don't|do not|wouldn't|would not|won't|can't) (you|we)\b(?! (like|love|want|feel|think|know|agree|"
    r"trust|believe|understand|care|have|enjoy|mind|remember|seem|see yourself|get along|fit|belong)\b)",
    r"\bwhy not (just |simply )?[a-z]{2,}",  # "Why not split…"; a bare "Why not?" asks for a reason
    r"\bhow about\b",
    r"\bwhat about (just |simply )?[a-z]+ing\b",
    r"\bwhat if (you|we|they)\b",
    r"\b(couldn't|can't|shouldn't|wouldn't|won't|mustn't) you\b",
    r"\b(could|can|should|would) you (not|just|simply|maybe|perhaps) (?!say|tell us|describe|explain|give)",
    r"\bshouldn't (the|they|he|she|someone|somebody|your)\b",
    r"\bwouldn't (it|that|this|a|an|the|some|someone)\b",
    r"\bwould it (not )?(help|make sense|be (better|easier|simpler|wiser|worth|good|useful|an option|smart))\b",
    r"\bwould (you|they) (be willing to|consider)\b",
    r"\bisn't (it|this) (time|worth|better|easier|simpler|wiser)\b",
    r"\bwould you be (open|willing|ready) to\b",
    # "Is coaching an option?" proposes; "Is the budget an option you control?" asks about what exists
    r"\b(is|would|isn't) (?!there\b|the\b|your\b|this\b|that\b|its\b)[a-z\- ]{2,30} (be )?an option\b"
    r"(?! (you|that you) (control|have|already|own|get)\b)",
    r"\bstopping you from (just|simply)\b",
    r"\bworth (a try|a shot|trying|considering|exploring)\b",
    r"^((and|so|but|ok|okay|well|hmm|then),? )*(couldn't|can't|shouldn't|wouldn't|won't|mustn't) "
    r"(you|we|they|your|the|he|she|someone|somebody|i)\b",
    r"^((and|so|but|ok|okay|well|hmm|then),? )*would (a|an|the|some|more|less|it|that|this)\b.*\b(help|work|solve|"
    r"fix|change things)$",
    r"\bwhat about (a|an|some|more|less|just)\b",
    r"\bisn't the (obvious|simplest|easiest|best|real) (answer|solution|thing|way|move|fix)\b",
    r"\bis it not possible to\b|\bis it possible to (just|simply)\b",  # not "Is it possible to get the numbers?"
    r"\bdon't you think (you|we|they|it|that|the|a|he|she)\b",
    r"\bever (thought|considered) (of|about)\b",
    r"\byou (haven't|didn't|don't) (just|simply)\b",
    r"\bi(?: would|'d) (suggest|recommend|advise|say|go)\b",
    r"\bi (suggest|recommend|advise)\b",
    r"\bif i were you\b",
    r"\bmy advice\b",
    r"(^|\b(just|maybe|perhaps|then|so|and) )(try|consider) (to|a|an|the|some|something|[a-z]+ing)\b",
    # French
    r"\bpourquoi (ne pas|pas) (tout simplement |simplement |juste )?[a-z]{2,}",  # "Pourquoi pas ?" alone asks
    r"\bpourquoi (tu|vous|est ce que tu|est ce que vous|on) ne\b(?! (te |vous |se )?" + _STATIVE + ")",
    r"\bpourquoi ne [a-z]+ (tu|vous)\b",
    r"\bet si (tu|vous|on)\b",
    r"\b(ne )?(serait|vaudrait|faudrait) (il|ce|ca) pas\b",
    r"\b(ce|ca|cela|il) ne (serait|vaudrait|faudrait) (il )?pas\b",
    r"\b(ce|ca|cela|il) (ne )?(serait|vaudrait) (pas )?(peut etre |surement |sans doute )?(mieux|plus simple|le coup|"
    r"utile|bien|plus facile|judicieux|plus sage)\b",
    r"\b(ca|cela|ce) ne \w+rait pas\b",
    r"\bne (pourrai[st]|pourraient|devrai[st]|devraient|serai[st]|vaudrai[st]|faudrai[st]) (il|elle|ils|elles|on|ce|"
    r"tu|vous) pas\b",
    r"\bpourquoi (tu|vous|on) (ne )?(?!(te |vous |se )?" + _STATIVE + r")((lui|leur|en|le|la|les|y|me|te|se) )*"
    r"[a-z]+(es|ez|e|ons) pas\b",
    r"\bil faudrait\b",
    r"\bil (faut|faudra) (que tu|que vous|juste|simplement)\b",
    r"\bserait (il|ce) possible de\b|\b(est|serait) (il|ce) pas possible de\b|\best (il|ce) possible de (simplement|"
    r"juste)\b",  # not "Est-il possible de savoir qui a décidé ?"
    r"\b(tu|vous) (ne )?(pourrais|pourriez|peux|pouvez) "
    r"(pas|simplement|juste|plutot|essayer|peut etre|eventuellement|aussi|toujours)\b",
    r"\b(pourrais|pourriez|peux|pouvez) (tu|vous) (pas|simplement|juste|plutot|essayer|peut etre|eventuellement)\b",
    r"\b(tu|vous) (ne )?(crois|penses|trouves|croyez|pensez|trouvez) pas (que|qu)\b",
    r"\bne (crois|penses|trouves|croyez|pensez|trouvez) (tu|vous) pas (que|qu)\b",
    r"\bque (dirais|diriez|dis|dites) (tu|vous) (de|d)\b",
    r"\bje (te|vous) (conseille|suggere|recommande|propose)\b",
    r"\b(serais|seriez) (tu|vous) (pret|prete|prets|pretes|d'accord|partant|partante|ouvert|ouverte) (a|pour)\b",
    r"\b(ce est|serait ce|est ce|ce serait|ce pourrait etre) (une|un) (option|piste|solution|idee)\b",
    r"\bempeche(s)? de (simplement|juste)\b",
    r"\ba (ta|votre) place\b",
    r"\bmon conseil\b",
    r"\bsi j'?e? ?etais toi\b",
]

# "Have you tried X?" proposes X; "What have you tried?" asks for facts: these are advice only when no
# question word comes before them in the sentence, and they are not followed by "anything" and the like.
_HAVE_YOU_VERB = r"(tried|tryed|considered|thought (about|of)|looked into|explored|envisaged)"
_ADVICE_UNLESS_ASKED = [
    rf"\b(have|did) you (ever |already |not )?{_HAVE_YOU_VERB}\b",
    r"\bdid you (ever |not )?(try|consider|think (about|of)|look into|explore)\b",
    r"\byou (should|could|might|ought to|need to|must|might want to|may want to)\b(?! (have|ve)\b)",
    r"\bwould you (ever )?(consider|think about)\b",
    r"\b(might|may|could|would) (be |well be )?worth\b",  # not "What would be worth protecting?"
    r"\b(?<!that )(?<!this )(?<!it )(would|could|might) (really |maybe |perhaps )?"
    r"(help|work|do the trick|be (a good idea|good|better|useful|"
    r"an option|the answer))\b",
    r"\b(ca|cela|ce|il|elle) (pourrait|serait|aiderait) (peut etre |pas )?(aider|marcher|utile|bien|une option|"
    r"une piste|une solution)\b",
    r"\b(ca|cela|ce) (ne )?(aiderait|marcherait|fonctionnerait|debloquerait|soulagerait|aiderait pas)\b",
    # French: "as-tu pensé à…", "tu as essayé de…", "avez-vous songé à…", spoken or inverted, with or without ne
    r"\b(as tu|avez vous|tu as|vous avez|tu ne as|vous ne avez|ne as tu|ne avez vous) (pas |deja |jamais )?"
    r"(pense|songe|envisage|essaye|essayer|tente|reflechi|explore|regarde) (a|de|un|une|le|la|les|des|du)\b",
]
# Proposals unless the sentence asks for a fact with a question word, wherever it stands ("Tu devrais le livrer
# quand ?"): spoken French puts it last.
_ADVICE_UNLESS_WH = [
    r"\b(tu|vous) (ne )?(devrais|devriez)\b(?! (avoir|etre))",
    r"\b(ne )?(devrais|devriez) (tu|vous)\b",
]
# Proposals when said, facts when asked: "Tu dois en parler à ton chef." / "Tu dois tout valider toi-même ?"
_ADVICE_STATED = [
    r"\b(tu|vous) (ne )?(dois|devez)\b(?! (avoir|etre))",
]
_ANY_QUESTION_WORD = re.compile(  # French question words that may stand anywhere ("qui", "où" only at an end)
    r"\b(quand|comment|combien|pourquoi|quoi|quel|quelle|quels|quelles|lequel|laquelle|lesquels|lesquelles)\b"
    r"|\b(qui|ou)$|^(qui|ou)\b"
)
_QUESTION_WORD = re.compile(
    r"\b(what|which|how|when|where|who|whom|whose|que|quel|quelle|quels|quelles|quoi|comment|combien|quand|qui)\b"
)
_INDEFINITE_BEFORE = re.compile(r"\b(anything|something|anyone|someone|is there|what else)\b")
_INDEFINITE_AFTER = re.compile(
    r"^\s*(anything|something|everything|anyone|somebody|anybody|other|else|so far|yet|before|"
    r"quelque chose|autre chose|rien|jusqu|deja quelque|what|why|whether|who|ce que|ce qui|ce dont|pourquoi|si)\b"
)
_ALWAYS = re.compile("|".join(_ADVICE_ALWAYS))
_UNLESS_ASKED = [re.compile(p) for p in _ADVICE_UNLESS_ASKED]
_UNLESS_WH = re.compile("|".join(_ADVICE_UNLESS_WH))
_WHEN_STATED = re.compile("|".join(_ADVICE_STATED))


def _is_advice(sentence: str, question: bool = True) -> bool:
    if _ALWAYS.search(sentence):
        return True
    if _UNLESS_WH.search(sentence) and not _ANY_QUESTION_WORD.search(sentence):
        return True
    if not question and _WHEN_STATED.search(sentence):
        return True
    asked = sentence.replace("est ce que", "").replace("est ce qu", "")
    for pattern in _UNLESS_ASKED:
        for match in pattern.finditer(asked):
            before = asked[: match.start()]
            if _QUESTION_WORD.search(before) or _INDEFINITE_BEFORE.search(before):
                continue  # "What options have you considered?": the client is asked, nothing proposed
            if match.group().endswith((" a", " de", " un", " une", " le", " la", " les", " des", " du")):
                if _INDEFINITE_AFTER.match(asked[match.end() :]):
                    continue
            elif _INDEFINITE_AFTER.match(asked[match.end() :]):
                continue  # "Did you try anything that worked?"
            return True
    return False


# ---- judgment ----------------------------------------------------------------------------------------------
# A blunt verdict on the client as a person or on what they did: the only judgment worth a hint in Consultation,
# where consultants are meant to share hypotheses, their own stories and solutions.
_BLUNT_VERDICTS = [
    # English
    r"\byou( were| are|'re| was| have been|'ve been)( being)?( (so|really|just|totally|completely|pretty|quite|a bit|"
    r"very|incredibly|such|plain|simply))* (stupid|dumb|an idiot|idiotic|incompetent|lazy|naive|selfish|weak|"
    r"a coward|cowardly|spineless|useless|pathetic|clueless|irresponsible|unprofessional|ridiculous|foolish|"
    r"reckless|careless|childish|immature|arrogant|a fool|an amateur)\b",
    r"\b(stupid|dumb|idiotic|foolish|naive|lazy|selfish|irresponsible|careless|reckless|pathetic|silly|"
    r"unprofessional|cowardly|weak|thoughtless|short-sighted|arrogant) of you\b",
    r"\b(stupid|dumb|idiotic|terrible|awful|horrible|bad|poor|careless|lazy|naive|irresponsible|unprofessional|"
    r"foolish|big|huge|rookie)( \w+){0,2} on your part\b",
    r"\b(a|an|that) (terrible|stupid|dumb|idiotic|awful|horrible|foolish|dreadful|lousy) (decision|choice|call|move|"
    r"mistake|idea|blunder)( (you|that you) (made|took))?\b",
    r"\byou (really |totally |completely |just |kind of |basically )?(messed|screwed|fucked|mucked) (\w+ )?up\b",
    r"\byou (really |totally |just )?(blew|botched|ruined|wrecked) (it|this|that|everything)\b",
    r"\b(it's|it is|it was|that's|that is|that was)( all| entirely| totally| completely)? your (own )?fault\b",
    r"\bwhat (the hell )?were you thinking\b",
    r"\byou (only )?have (only )?yourself to blame\b",
    r"\byou (should|could) have known better\b",
    r"\byou (brought|asked for) (it|this|that) on yourself\b",
    # French ("c'est" is folded to "ce est", "tu l'as" to "tu le as")
    r"\b(tu|vous) (es|etes|as ete|avez ete|etais|etiez)( \w+){0,2} (stupide|bete|idiot|idiote|nul|nulle|naif|"
    r"naive|incompetent|incompetente|paresseux|paresseuse|faible|lache|irresponsable|ridicule|con|conne|immature|"
    r"inconscient|inconsciente|egoiste|amateur|negligent|negligente)\b",
    r"\b(nul|nulle|stupide|debile|idiot|bete|con|lamentable|pathetique|minable|irresponsable|naif|egoiste|lache|"
    r"inconscient|negligent|pas serieux|pas professionnel)( \w+)? de (ta|votre) part\b",
    r"\b(decision|idee|erreur|betise|choix|connerie|faute|grosse erreur)( \w+){0,2} de (ta|votre) part\b",
    r"\bce (est|etait) (entierement |totalement |completement |bien |vraiment |clairement )?(de )?(ta|votre) faute\b",
    r"\b(tu as|vous avez) (vraiment |completement )?tout (gache|foire|rate|fichu en le air|fait rater)\b",
    r"\b(tu as|vous avez) (vraiment |completement )?(gache|foire|merde|bousille|sabote) (ca|le|la|les|ton|ta|tes|"
    r"votre|vos|ce|cette|cet)\b",
    r"\ba quoi (tu pensais|pensais tu|vous pensiez|pensiez vous|tu as pense|as tu pense)\b",
    r"\b(tu|vous) (le |la |les )?(as|avez) (bien |un peu |quand meme )?(cherche|merite)\b",
    r"\b(tu|vous) (aurais|auriez) (du|pu) (te |vous )?(en )?(douter|le savoir|le voir venir|te mefier|le prevoir)\b",
    r"\bquelle (betise|connerie|erreur de debutant|idee stupide)\b",
]
# Verdicts wherever they stand, said or asked ("Isn't that a bit naive?").
_JUDGMENT_ANYWHERE = [
    # English
    r"\b(bad|terrible|poor|awful|wrong|stupid|dumb|silly|naive) (idea|call|move|choice|decision|management|"
    r"leadership|planning|communication|judgment|judgement)\b",
    r"\bnot a (great|good|smart|wise) (way|idea|move|call|choice)\b",
    r"\b(risky|dangerous|odd|strange|weird|bad|poor|terrible|naive|careless) way to\b",
    r"\bwalk all over you\b",
    r"\b(that's|that is|it's|it is|that was) on you\b",
    r"\b(naive|unprofessional|irresponsible|ridiculous|lazy|selfish|stubborn|reckless|childish)\b",
    r"\b(your|your own) fault\b",
    r"\bnever (going|gonna) (to )?work\b",
    r"\boverthink(ing)?\b",
    r"\byou (shouldn't|should not|should never) have\b",
    r"\byou should (have|'ve)\b",
    r"\bmaking (this|it|things|your life) (so much |much |a lot )?harder than\b",
    # French
    r"\b(mauvaise|pas une bonne|pas la bonne|drole de) (idee|decision|approche|methode|facon|strategie)\b",
    r"\b(naif|naive|naifs|naives|irresponsable|ridicule|pas professionnel|immature)\b",
    r"\b(ta|votre) faute\b",
    r"\b(le|un|du) mauvais (choix|calcul|cote)\b",
    r"\b(facon|maniere) (assez |un peu |plutot |tres )?(risquee|dangereuse|bizarre|etrange|naive)\b",
    r"\b(tu te|tu tu|vous vous) (es |etes )?tromp\w*\b",
    r"\b(tu|vous) (ne )?(aurais|auriez) (jamais |pas )?(du|pu)\b",
    r"\b(ca|cela) ne (pouvait|pourra) (pas|jamais) marcher\b",
    r"\btrop la tete\b",
    r"\b(tu te|vous vous) compliqu\w* la vie\b",
]
# "A mistake", "une erreur": a verdict when said ("Big mistake to promise that date."); when asked, a fact
# ("Does the script show an error?", "What happens when someone makes a mistake?") unless asked of what was done
# ("Wasn't that a mistake?").
_JUDGMENT_NOUN_STATED = [
    r"\b(a|an|big|huge|real|serious|your|the|rookie|beginner's)( \w+)? (mistake|error|blunder)\b",
    r"\bmistake to\b",
    r"\b(une|un|grosse|grande|vraie|belle|ton|votre) (\w+ )?(erreur|faute|betise|connerie)\b",
    r"\berreur de\b",
]
_JUDGMENT_NOUN_ASKED = [  # asked as a verdict: "Wasn't that a mistake?", "That was a mistake, right?"
    r"\b(wasn't|isn't|was not|is not) (that|this|it)( \w+){0,2} (mistake|error|blunder)\b",
    r"\b(that|it|this) (was|is|'s)( \w+){0,2} (mistake|error|blunder), (no|right|wasn't it|isn't it|yes|eh)$",
    r"\b(ce|ca|cela) (etait|est)( \w+){0,2} (erreur|betise|faute), (non|hein|pas vrai|ne est ce pas|tu crois pas)$",
]
# Verdicts said as statements: "You waited too long." (as a question, "Did you wait too long?" asks).
_JUDGMENT_STATED = [
    r"\byou(?:'re| are| were)?(?: \w+){0,2} too (long|much|far|early|late|soon|fast|quickly|slow|slowly|nice|soft|"
    r"hard|harsh|little|kind|trusting|emotional|defensive|passive)\b",
    r"\byou( were| are|'re| was| have been|'ve been)(?: \w+)? too \w+",
    r"\b(tu|vous) (es|etes|as ete|avez ete|etais|etiez)(?: \w+)? trop \w+",
    r"\b(tu|vous)\b(?: \w+){0,3} trop (longtemps|tard|tot|vite|lentement|gentil\w*|laxiste|dur\w*|conciliant\w*|"
    r"exigeant\w*|emoti\w*|passi\w*|sur la defensive)\b",
]

# ---- what makes a verdict no verdict -------------------------------------------------------------------------
# Reassurance and negated verdicts: "It's not your fault", "It would be a mistake to blame yourself",
# "Ce n'est pas ta faute", "the mistake wasn't yours".
_REASSURANCE = re.compile(
    r"\b(isn't|wasn't|is not|was not|it's not|it is not|that's not|that is not|not|never) (really |entirely |"
    r"totally |all |at all |necessarily |just )?(your (own )?fault|yours|on you|you|a mistake|an error|a failure|"
    r"stupid|naive)\b"
    r"|\b(no one's|nobody's|no one|nobody) (fault|is to blame|to blame)\b|\bno fault\b"
    r"|\b(blame|blaming|beat|beating) (up )?yourself\b|\bbe (so |too )?hard on yourself\b"
    r"|\b(you did|you've done|you have done|you didn't do|you haven't done) (nothing|anything) wrong\b"
    r"|\bnothing wrong with (you|that|what you)\b"
    r"|\bpas (du tout |vraiment |entierement |forcement )?(de )?(ta|votre) faute\b"
    r"|\bpas (de |une )(faute|erreur)\b|\bpas (la tienne|le tien|toi|la votre|le votre|vous)\b"
    r"|\b(te|vous) (culpabiliser|blamer|en vouloir|flageller|reprocher)\b"
    r"|\b(tu|vous) (ne )?(as|avez) rien fait de mal\b|\brien de mal\b"
    r"|\bpersonne ne (est|etait) (a blamer|fautif|responsable)\b"
    r"|\b(tu|vous) (ne )?(aurais|auriez|pouvais|pouviez) pas (pu )?(le |la |les )?(savoir|deviner|prevoir)\b"
)
# The client's own words, asked about: "You said you should have known earlier — what made you think that?"
_REPORTED = re.compile(
    r"\b(you said|you say|you mentioned|you called|you call|you told|you wrote|you feel|you felt|you think|"
    r"you thought|you wonder|in your words|tu as dit|tu dis|tu disais|tu parles|tu parlais|tu as parle|tu penses|"
    r"tu pensais|tu as le impression|tu te dis|tu te disais|selon toi|tu as ecrit|tu trouves|tu as qualifie)\b"
)
# Their view, asked for: "C'était ta faute, selon toi ?", "Was it a mistake, in your view?"
_THEIR_VIEW = re.compile(
    r"\b(in your view|in your opinion|according to you|do you think|would you say|selon toi|selon vous|a ton avis|"
    r"a votre avis|de apres toi|de apres vous|tu penses|tu dirais|vous pensez)\b"
)
# A hypothesis, offered as one: "Maybe you are too close to the project", "Hypothesis: they are overthinking".
_HEDGE = re.compile(
    r"\b(maybe|perhaps|possibly|probably|might be|may be|could be|could it be|i wonder|wondering|my guess|i guess|"
    r"my hunch|hypothesis|hypotheses|hypothetically|i might be wrong|i may be wrong|one possibility|an idea|"
    r"a thought|just a thought|my take|my reading|i sense|i have the feeling|i have a feeling|it seems|seems|"
    r"peut etre|il se peut|se pourrait|hypothese|hypotheses|je me demande|possible que|il est possible|"
    r"je ai le impression|mon intuition|une piste|piste|une idee|ma lecture|il semble|semble|on dirait)\b"
)
# Opinion markers say who speaks, not who is judged: "I think you made the wrong choice".
_OPINION = re.compile(
    r"\b(i think|i feel|i believe|i'd say|i would say|i have to say|i must say|i find|i'm afraid|to me|for me|"
    r"honestly|imo|imho|je pense|je crois|je trouve|je dois dire|je dirais|a mon avis|pour moi|selon moi)\b"
)
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|me|my|mine|myself|we|we've|our|us|je|moi|mon|ma|mes|nous|notre|on)\b")
_SECOND_PERSON = re.compile(
    r"\b(you|your|yours|yourself|you're|you've|tu|te|toi|ton|ta|tes|tien|tienne|vous|votre|vos)\b"
)
# Someone else is talked about: "they are overthinking the risks", "set by someone else".
_THIRD_PARTY = re.compile(
    r"\b(they|they're|they've|he|she|he's|she's|someone else|somebody else|ils|elles|quelqu'un de autre|"
    r"(il|elle) (a|est|etait|avait)|la direction qui|the board who)\b"
)

_BLUNT = re.compile("|".join(_BLUNT_VERDICTS))
_JUDGMENT = re.compile("|".join(_JUDGMENT_ANYWHERE))
_NOUN_STATED = re.compile("|".join(_JUDGMENT_NOUN_STATED))
_NOUN_ASKED = re.compile("|".join(_JUDGMENT_NOUN_ASKED))
_STATED = re.compile("|".join(_JUDGMENT_STATED))


def _about_the_client(sentence: str, question: bool, match: re.Match[str]) -> bool:
    """Whether a verdict found in a sentence falls on the client, not on the writer or someone else."""
    before = sentence[: match.start()]
    if _REPORTED.search(before) or (question and _THEIR_VIEW.search(sentence)):
        return False  # their own words, or their view, asked about
    second = bool(_SECOND_PERSON.search(sentence))
    if not second and _THIRD_PARTY.search(sentence):
        return False  # about them, not about you
    said_before = _OPINION.sub(" ", before).split()[-6:]
    # the writer's own story is no verdict: "In a similar situation I made a big mistake"
    return second or not _FIRST_PERSON.search(" ".join(said_before))


def _verdicts(sentences: list[tuple[str, bool]], patterns: list[tuple[re.Pattern[str], str]]) -> bool:
    """Whether a sentence holds a verdict on the client, by (pattern, where: "any" sentence, "said" or "asked")."""
    for index, (sentence, question) in enumerate(sentences):
        if _REASSURANCE.search(sentence) or _HEDGE.search(sentence):
            continue
        previous = sentences[index - 1][0] if index else ""
        if previous and len(previous.split()) <= 4 and _HEDGE.search(previous):
            continue  # "Hypothesis: you took on too much."
        for pattern, where in patterns:
            if where != "any" and where != ("asked" if question else "said"):
                continue
            if any(_about_the_client(sentence, question, match) for match in pattern.finditer(sentence)):
                return True
    return False


_IN_CONSULTATION: list[tuple[re.Pattern[str], str]] = [(_BLUNT, "any")]
_IN_CLARIFICATION: list[tuple[re.Pattern[str], str]] = [
    (_BLUNT, "any"),
    (_JUDGMENT, "any"),
    (_NOUN_STATED, "said"),
    (_NOUN_ASKED, "asked"),
    (_STATED, "said"),
]


# ---- the entry points --------------------------------------------------------------------------------------
def remark(text: str) -> Remark | None:
    """What a message does that the method would point out: advise (first), judge, or nothing."""
    sentences = _sentences(fold(text))
    if any(_is_advice(sentence, question) for sentence, question in sentences):
        return Remark.ADVICE
    if _verdicts(sentences, _IN_CLARIFICATION):
        return Remark.JUDGMENT
    return None


def blunt_verdict(text: str) -> bool:
    """A verdict on the client as a person, said bluntly ("You were stupid to…", "C'est nul de ta part").

    Hypotheses ("Maybe you are too close to it"), the writer's own story ("I made a big mistake…"),
    reassurance ("It's not your fault") and remarks about others are none, however they are worded.
    """
    return _verdicts(_sentences(fold(text)), _IN_CONSULTATION)


def looks_like_advice(text: str) -> bool:
    return remark(text) is Remark.ADVICE


def looks_like_judgment(text: str) -> bool:
    return remark(text) is Remark.JUDGMENT


# ---- questions ---------------------------------------------------------------------------------------------
_QUOTED = re.compile(r"“[^”]*”|«[^»]*»|\"[^\"\n]*\"|‘[^’\n]*’")
_BLOCKQUOTE = re.compile(r"^\s*(&gt;|>).*$", re.M)
# A question ends at a run of ? (and !), spaced from its sentence or not, before a space, the end or a
# closing mark; a "?" inside a word, a link or brackets ("(roughly?)") ends nothing.
_QUESTION_END = re.compile(r"[?？][?？!]*(?=\s|$|[*_~\"”»'’])|![?？]+[?？!]*(?=\s|$)")


def count_questions(text: str) -> int:
    """How many questions a message asks: its own "?" ends, not those in links, code, emoji or quotes."""
    text = _CODE.sub(" ", text)
    text = _SLACK_TOKEN.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _BLOCKQUOTE.sub(" ", text)
    text = _EMOJI.sub(" ", text.lower())
    text = _QUOTED.sub(" ", text)
    count, previous, start = 0, "", 0
    for end in _QUESTION_END.finditer(text):
        piece, start = text[start : end.start()], end.end()
        question = fold(piece)
        if previous and not _BREAK.search(piece) and _same_question(previous, question):
            continue  # "Who decides? Is it you or your manager?": one question, narrowed
        count, previous = count + 1, _BREAK.split(question)[-1].strip()
    return count


# A follow-up that only narrows or rephrases the question before it is that question: "What did your boss say?
# I mean, in his words?", "Who decides? Is it you or your manager?", "How long? Roughly?". A new subject ("And
# the deadline?") or a new question word ("And who noticed?") is another question.
_BREAK = re.compile(r"[.!;\n](\s|$)|\.\.\.|\u2026|: ")
_REPHRASE = re.compile(
    r"^(i mean|i meant|like|or rather|rather|that is|in other words|so to speak|je veux dire|genre|enfin|"
    r"autrement dit|plutot|ou plutot|ce est.a.dire|en gros|roughly|exactly|precisely)\b"
)
_NEW_SUBJECT = re.compile(r"^(and|et|or|ou|also|aussi|what about|how about|et pour|and for|but|mais)\b")
_ALTERNATIVE = re.compile(
    r"^(is it|was it|are they|were they|is that|would it be|will it be|ce est|ce etait|est ce|ce serait|ca serait|"
    r"ca|plutot) .*\b(or|ou)\b"
)
_WH = re.compile(
    r"\b(what|what's|which|how|when|where|who|who's|whom|whose|why|que|quel|quelle|quels|quelles|quoi|comment|"
    r"combien|quand|qui|pourquoi|ou)\b"
)


def _same_question(previous: str, question: str) -> bool:
    question = question.strip(" ,-")
    if _REPHRASE.match(question):
        return True
    if _NEW_SUBJECT.match(question) or _WH.search(question.replace(" ou ", " ").replace(" or ", " ")):
        return False
    if len(question.split()) <= 3:
        return True  # "Roughly?", "In his words?", "Six people?"
    return bool(_ALTERNATIVE.match(question)) and bool(_WH.match(previous))
