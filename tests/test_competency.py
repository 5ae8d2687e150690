"""Competency questions, answered by SPARQL over the dataset.

The expected answers were written from the text of the page
(data/source/samenwerking-nationaal.txt), quoted beside each question; they
reuse the bundled queries where one fits.
"""

from __future__ import annotations

import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "src"))
from nlsc.sparql import query as nq  # noqa: E402

ID = "https://w3id.org/nlsc/id/"


def o(slug):
    return f"{ID}organisatie/{slug}"


@pytest.fixture(scope="module")
def store():
    return nq.store_from_sources(REPO)


def rows(store, name, lang=None):
    result = nq.run_query(nq.resolve(name).read_text(encoding="utf-8"), store, lang=lang)
    variables = [v.value for v in result.variables]
    return [{v: (s[v].value if s[v] is not None else None) for v in variables} for s in result]


def test_who_receives_information_and_by_which_instrument(store):
    # "Wij brengen het OM via een ambtsbericht op de hoogte ..."; the NCTV "neemt maatregelen op basis van
    # informatie van onder andere de AIVD"; "De AIVD voorziet de ... (IND) van informatie"; "Ook burgemeesters
    # zijn voor de AIVD belangrijke afnemers van informatie"; "De AIVD voorziet bestuurders, politici, bedrijven
    # en andere relevante (overheids)organisaties en instellingen ... van informatie".
    got = {(r["recipient"], r["instrument"]) for r in rows(store, "recipients-by-instrument")}
    assert got == {
        (o("openbaar-ministerie"), f"{ID}instrument/ambtsbericht"),
        (o("nctv"), None), (o("ind"), None),
        (f"{ID}groep/burgemeesters", None), (f"{ID}groep/bestuurders", None), (f"{ID}groep/politici", None),
        (f"{ID}groep/bedrijven", None), (f"{ID}groep/overheidsorganisaties-en-instellingen", None),
    }


def test_through_whom_the_aivd_keeps_contact_with_the_om(store):
    # "Via de speciaal hiertoe aangewezen Landelijke Officieren van Justitie Terrorismebestrijding onderhoudt de
    # AIVD contact met het OM."
    got = rows(store, "om-contact")
    assert [r["post"] for r in got] == [f"{ID}functie/landelijke-officieren-van-justitie-terrorismebestrijding"]
    assert got[0]["postLabel"] == "Landelijke Officieren van Justitie Terrorismebestrijding"


def test_versterking_samenwerking_cyber(store):
    # "Daarom hebben de overheidsdiensten AIVD, MIVD, het Openbaar Ministerie, de Nationale Politie en het NCSC
    # afspraken gemaakt om samen te werken. Dat gebeurt structureel op één fysieke locatie, bij het NCSC. ...
    # Juridisch valt de Versterking Samenwerking Cyber onder de AIVD en daarmee ook onder de Wet op de inlichtingen-
    # en veiligheidsdiensten (Wiv 2017)."
    vsc = f"{ID}samenwerkingsverband/versterking-samenwerking-cyber"
    members = {r["member"] for r in rows(store, "arrangement-members") if r["arrangement"] == vsc}
    assert members == {o("aivd"), o("mivd"), o("openbaar-ministerie"), o("nationale-politie"), o("ncsc")}
    legal = [r for r in rows(store, "legal-basis-and-location") if r["arrangement"] == vsc]
    assert {r["site"] for r in legal} == {f"{ID}locatie/bij-het-ncsc"}
    assert {r["fallsUnder"] for r in legal} == {o("aivd")}
    from_page = {r["legalBasis"] for r in legal if not r.get("contextFact")}
    assert from_page == {f"{ID}regeling/wiv-2017"}
    # the site is the NCSC's
    ask = ("PREFIX org: <http://www.w3.org/ns/org#> ASK { <%s> org:hasSite ?site . <%s> org:hasSite ?site }"
           % (vsc, o("ncsc")))
    assert bool(nq.run_query(ask, store))


def test_joint_units_of_aivd_and_mivd(store):
    # "de gezamenlijke Joint Sigint Cyber Unit (JSCU). Daarnaast wordt er samengewerkt in de CT Infobox en de Unit
    # Contraproliferatie. Ook is er een gezamenlijk team voor het Caraïbisch gebied." and both are among the parties
    # of Versterking Samenwerking Cyber.
    got = {r["together"] for r in rows(store, "aivd-mivd-together") if r["kind"] == "arrangement"}
    sv = f"{ID}samenwerkingsverband/"
    assert got == {sv + "jscu", sv + "ct-infobox", sv + "unit-contraproliferatie", sv + "caribisch-team",
                   sv + "versterking-samenwerking-cyber"}


def test_forward_posts(store):
    # "De eenheden van de Nationale Politie beschikken over Inlichtingendiensten (ID's). Zij zijn vooruitgeschoven
    # posten van de AIVD ... Datzelfde geldt voor de inlichtingendiensten van de Koninklijke Marechaussee en de
    # Belastingdienst."
    got = {r["organisation"] for r in rows(store, "forward-posts")}
    assert got == {o("nationale-politie"), o("koninklijke-marechaussee"), o("belastingdienst")}


def test_standard_isac_representatives(store):
    # "Standaard zijn de AIVD, NCSC en het Team High Tech Crime van de Nationale Politie hierin vertegenwoordigd."
    got = {(r["member"], r["unitOf"]) for r in rows(store, "isac-standard-representatives")}
    assert got == {(o("aivd"), None), (o("ncsc"), None), (f"{ID}eenheid/team-high-tech-crime", o("nationale-politie"))}


def test_passage_behind_the_om_ambtsbericht(store):
    quotes = {r["quote"] for r in rows(store, "passage-for-statement")}
    assert "Wij brengen het OM via een ambtsbericht op de hoogte van een bedreiging voor de nationale veiligheid." in quotes
    page = (REPO / "data" / "source" / "samenwerking-nationaal.txt").read_text(encoding="utf-8")
    assert all(q in page for q in quotes), "every quote is verbatim page text"


def test_dg_of_the_aivd_is_member_of_the_csr(store):
    # "De directeur-generaal (DG) van de AIVD is lid van de CSR."
    got = {(r["post"], r["counterpart"]) for r in rows(store, "posts")}
    assert (f"{ID}functie/directeur-generaal-aivd", o("cyber-security-raad")) in got


def test_ndn_has_no_invented_members(store):
    text = nq.resolve("ask-ndn-other-members").read_text(encoding="utf-8")
    assert not bool(nq.run_query(text, store))


def test_at_which_levels_the_forward_posts_work(store):
    # "de ID's versterken op lokaal en regionaal niveau de informatiepositie van de dienst. Datzelfde geldt voor
    # de inlichtingendiensten van de Koninklijke Marechaussee en de Belastingdienst."
    got = {(r["unit"].rsplit("/", 1)[1], r["level"].rsplit("/", 1)[1]) for r in rows(store, "forward-post-levels")}
    units = ("id-nationale-politie", "id-koninklijke-marechaussee", "id-belastingdienst")
    assert got == {(u, lvl) for u in units for lvl in ("lokaal", "regionaal")}


def test_which_measures_the_information_enables(store):
    # "kan het maatregelen nemen tegen de persoon of organisatie die in het ambtsbericht wordt genoemd"; the NCTV
    # "neemt maatregelen op basis van informatie"; "onderzoekssubjecten bij wie de IND handelend kan optreden";
    # "het vervallen laten verklaren van een paspoort"; "zodat zij tijdig maatregelen kunnen nemen"; "tijdig
    # gepaste maatregelen nemen om mogelijke schade te beperken of voorkomen".
    got = {(r["party"].rsplit("/", 1)[1], r["measure"].rsplit("/", 1)[1]) for r in rows(store, "enabled-measures")}
    assert got == {
        ("openbaar-ministerie", "maatregelen-tegen-genoemde-persoon-of-organisatie"),
        ("nctv", "maatregelen-op-basis-van-informatie"), ("ind", "handelend-optreden"),
        ("burgemeesters", "paspoort-vervallen-laten-verklaren"),
        *((g, "tijdig-maatregelen-nemen") for g in ("bestuurders", "politici", "bedrijven",
                                                    "overheidsorganisaties-en-instellingen")),
        ("nationaal-detectie-netwerk", "schade-beperken-of-voorkomen"),
    }


def test_about_which_kinds_of_subject(store):
    # "bijvoorbeeld bij ongewenste vreemdelingen"; "een paspoort van een potentiële uitreiziger".
    got = {(r["recipient"], r["category"].rsplit("/", 1)[1]) for r in rows(store, "subject-categories")}
    assert got == {(o("ind"), "ongewenste-vreemdelingen"), (f"{ID}groep/burgemeesters", "potentiele-uitreizigers")}


def test_what_the_cyber_security_council_does(store):
    # "De CSR zet zich op strategisch niveau in om de cybersecurity in Nederland te verhogen." "De CSR zoekt de
    # samenwerking met vergelijkbare raden in andere landen en stimuleert de oprichting ervan in landen die nog
    # geen cybersecurityraad kennen."
    got = [(r["task"].rsplit("/", 1)[1], r["level"] and r["level"].rsplit("/", 1)[1], r["area"].rsplit("/", 1)[1])
           for r in rows(store, "csr-tasks", lang="en")]
    assert got == [
        ("cyber-security-raad-cybersecurity-verhogen", "strategisch", "nederland"),
        ("cyber-security-raad-internationale-samenwerking", None, "andere-landen"),
        ("cyber-security-raad-oprichting-stimuleren", None, "andere-landen"),
    ]
