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
# Always a proposal, wherever they stand in a sentence.
_ADVICE_ALWAYS = [
    # English
    r"\bwhy (don't|do not|wouldn't|would not|won't|can't|didn't) (you|we|they)\b",
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
    r"\b(is|would|isn't) (?!there\b)[a-z\- ]{2,30} (be )?an option\b",
    r"\bstopping you from (just|simply)\b",
    r"\b(might|may|could|would) (be |well be )?worth\b",
    r"\bworth (a try|a shot|trying|considering|exploring)\b",
    r"^((and|so|but|ok|okay|well|hmm|then),? )*(couldn't|can't|shouldn't|wouldn't|won't|mustn't) "
    r"(you|we|they|your|the|he|she|someone|somebody|i)\b",
    r"^((and|so|but|ok|okay|well|hmm|then),? )*would (a|an|the|some|more|less|it|that|this)\b.*\b(help|work|solve|"
    r"fix|change things)$",
    r"\bwhat about (a|an|some|more|less|just)\b",
    r"\bisn't the (obvious|simplest|easiest|best|real) (answer|solution|thing|way|move|fix)\b",
    r"\bis it (not )?possible to\b",
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
    r"\bpourquoi (tu|vous|est ce que tu|est ce que vous|on) ne\b",
    r"\bpourquoi ne [a-z]+ (tu|vous)\b",
    r"\bet si (tu|vous|on)\b",
    r"\b(ne )?(serait|vaudrait|faudrait) (il|ce|ca) pas\b",
    r"\b(ce|ca|cela|il) ne (serait|vaudrait|faudrait) (il )?pas\b",
    r"\b(ce|ca|cela|il) (ne )?(serait|vaudrait) (pas )?(peut etre |surement |sans doute )?(mieux|plus simple|le coup|"
    r"utile|bien|plus facile|judicieux|plus sage)\b",
    r"\b(ca|cela|ce) ne \w+rait pas\b",
    r"\bne (pourrai[st]|pourraient|devrai[st]|devraient|serai[st]|vaudrai[st]|faudrai[st]) (il|elle|ils|elles|on|ce|"
    r"tu|vous) pas\b",
    r"\bpourquoi (tu|vous|on) (ne )?((lui|leur|en|le|la|les|y|me|te|se) )*[a-z]+(es|ez|e|ons) pas\b",
    r"\bil faudrait\b",
    r"\bil (faut|faudra) (que tu|que vous|juste|simplement)\b",
    r"\b(serait|est) (il|ce) possible de\b",
    r"\b(tu|vous) (ne )?(devrais|devriez|dois|devez)\b(?! (avoir|etre))",
    r"\b(tu|vous) (ne )?(pourrais|pourriez|peux|pouvez) "
    r"(pas|simplement|juste|plutot|essayer|peut etre|eventuellement|aussi|toujours)\b",
    r"\b(pourrais|pourriez|peux|pouvez) (tu|vous) (pas|simplement|juste|plutot|essayer|peut etre|eventuellement)\b",
    r"\b(ne )?(devrais|devriez) (tu|vous)\b",
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


def _is_advice(sentence: str) -> bool:
    if _ALWAYS.search(sentence):
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
_JUDGMENT_ANYWHERE = [
    # English
    r"\b(a|an|big|huge|real|serious|your|the) (mistake|error|blunder)\b",
    r"\bmistake to\b",
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
    # French
    r"\b(une|un|grosse|grande|vraie|belle|ton|votre) (erreur|faute|betise|connerie)\b",
    r"\berreur de\b",
    r"\b(mauvaise|pas une bonne|pas la bonne|drole de) (idee|decision|approche|methode|facon|strategie)\b",
    r"\b(naif|naive|naifs|naives|irresponsable|ridicule|pas professionnel|immature)\b",
    r"\b(ta|votre) faute\b",
    r"\b(le|un|du) mauvais (choix|calcul|cote)\b",
    r"\b(facon|maniere) (assez |un peu |plutot |tres )?(risquee|dangereuse|bizarre|etrange|naive)\b",
    r"\b(tu te|tu tu|vous vous) (es |etes )?tromp\w*\b",
    r"\b(tu|vous) (ne |n')?(aurais|auriez) (jamais |pas )?(du|pu)\b",
    r"\b(ca|cela) ne (pouvait|pourra) (pas|jamais) marcher\b",
    r"\btrop la tete\b",
]
# Verdicts said as statements: "You waited too long." (as a question, "Did you wait too long?" asks).
_JUDGMENT_STATED = [
    r"\byou(?:'re| are| were)?(?: \w+){0,2} too (long|much|far|early|late|soon|fast|quickly|slow|slowly|nice|soft|"
    r"hard|harsh|little|kind|trusting|emotional|defensive|passive)\b",
    r"\byou (were|are|'re|was|have been|'ve been)(?: \w+)? too \w+",
    r"\b(tu|vous) (es|etes|as ete|avez ete|etais|etiez)(?: \w+)? trop \w+",
    r"\b(tu|vous)\b(?: \w+){0,3} trop (longtemps|tard|tot|vite|lentement|gentil\w*|laxiste|dur\w*|conciliant\w*|"
    r"exigeant\w*|emoti\w*|passi\w*|sur la defensive)\b",
]
_JUDGMENT = re.compile("|".join(_JUDGMENT_ANYWHERE))
_STATED = re.compile("|".join(_JUDGMENT_STATED))


def _is_judgment(sentence: str, question: bool) -> bool:
    return bool(_JUDGMENT.search(sentence)) or (not question and bool(_STATED.search(sentence)))


# ---- the entry points --------------------------------------------------------------------------------------
def remark(text: str) -> Remark | None:
    """What a message does that the method would point out: advise (first), judge, or nothing."""
    sentences = _sentences(fold(text))
    if any(_is_advice(sentence) for sentence, _ in sentences):
        return Remark.ADVICE
    if any(_is_judgment(sentence, question) for sentence, question in sentences):
        return Remark.JUDGMENT
    return None


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
    return len(_QUESTION_END.findall(text))
