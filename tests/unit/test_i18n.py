"""t() and tn(): a key's text in the reader's language, plurals by the language's own rule, English otherwise."""

from __future__ import annotations

import pytest

from bot.i18n import current_language, join_names, languages, reading, supported, t, tn, translations
from bot.messages import EN, Plural


def test_french_plurals_follow_the_french_rule() -> None:
    """French takes its first form for 0 and 1 (n > 1 is plural), English only for 1."""
    with reading("fr"):
        zero, one, two = (tn("step_closed", n) for n in (0, 1, 2))
    assert (zero, one, two) == (":lock: Fermée · 0 réponse", ":lock: Fermée · 1 réponse", ":lock: Fermée · 2 réponses")
    with reading("en"):
        assert [tn("step_closed", n) for n in (0, 1, 2)] == [
            ":lock: Closed · 0 replies",
            ":lock: Closed · 1 reply",
            ":lock: Closed · 2 replies",
        ]


def test_a_plural_fills_its_other_placeholders_too() -> None:
    with reading("fr"):
        text = tn("group_saved", 6, name="Cercle")
    assert text == "Groupe «\u202fCercle\u202f» enregistré avec 6 membres."


def test_a_language_without_a_catalogue_reads_english() -> None:
    assert "de" not in languages()
    with reading("de"):
        assert current_language() == "en"
        assert t("pace_live") == EN["pace_live"]
        assert tn("step_closed", 3) == ":lock: Closed · 3 replies"
    # Even asked directly, a language with no catalogue translates nothing.
    assert translations("de").pgettext("pace_live", "Live (minutes)") == "Live (minutes)"


def test_slack_locales_map_to_the_languages_codev_speaks() -> None:
    assert supported("fr-CA") == "fr"
    assert supported("fr_FR") == "fr"
    assert supported("FR") == "fr"
    assert supported("de-DE") == "en"
    assert supported("") == "en"
    assert supported(None) == "en"


def test_reading_is_scoped_and_english_by_default() -> None:
    assert current_language() == "en"
    with reading("fr-FR"):
        assert current_language() == "fr"
        with reading(None):  # None leaves the reader as it is
            assert current_language() == "fr"
        with reading("en"):
            assert t("pace_live") == "Live (minutes)"
    assert current_language() == "en"


def test_t_and_tn_refuse_the_wrong_kind_of_key() -> None:
    assert isinstance(EN["step_closed"], Plural) and isinstance(EN["pace_live"], str)
    with pytest.raises(TypeError, match="tn"):
        t("step_closed", count=2)
    with pytest.raises(TypeError, match="t\\("):
        tn("pace_live", 2)


def test_names_are_joined_as_the_reader_writes_a_list() -> None:
    names = ["<@UA>", "<@UB>", "<@UC>"]
    assert join_names(names) == "<@UA>, <@UB>, and <@UC>"
    assert join_names(names[:2]) == "<@UA> and <@UB>"
    assert join_names(names[:1]) == "<@UA>"
    with reading("fr"):
        assert join_names(names) == "<@UA>, <@UB> et <@UC>"


def test_working_days_read_and_typed_in_french() -> None:
    from bot.domain.workcal import describe_days, parse_days
    from bot.i18n import weekday_names

    with reading("fr"):
        shown = describe_days(frozenset(range(5)), weekday_names())
    assert shown == "lun.-ven."
    assert parse_days(shown) == (frozenset(range(5)), None)  # what the group modal shows is typed back as is
    assert parse_days("lundi, mercredi")[0] == frozenset({0, 2})
    assert describe_days(frozenset(range(5)), weekday_names()) == "mon-fri"
