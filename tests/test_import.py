"""kam import: the real dataset, a CRM export as it comes, broken files, re-imports."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, func, select

from core.actors import Actor
from core.db import open_database
from core.demo import maven
from core.models import Account, Contact, Deal, Interaction, User
from core.transfer.importer import import_file
from core.transfer.options import ImportOptions
from core.transfer.problems import FileProblem, ImportRejected
from core.transfer.profiles import import_folder
from tests.test_cli import kam

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ACTOR = Actor.system("test")


def _csv(name: str) -> list[dict[str, str]]:
    with (maven.data_dir() / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def dump(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in id order: the database 'exactly as it was'."""
    engine: Engine = open_database(db_url)
    try:
        with engine.connect() as conn:
            return {
                t.name: [tuple(r) for r in conn.execute(t.select().order_by(*t.primary_key))]
                for t in SQLModel.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_maven_profile_loads_the_files_counts_and_revenue(session: Session) -> None:
    reports = import_folder("maven", maven.data_dir(), session=session, now=NOW, actor=ACTOR)
    session.commit()
    assert [(r.kind, r.created) for r in reports][:3] == [
        ("users", 41),
        ("accounts", 85),
        ("deals", 8800),
    ]

    def count(model: type[SQLModel]) -> int:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    assert count(Account) == 85 and count(Deal) == 8800 and count(User) == 41
    expected: defaultdict[str, float] = defaultdict(float)
    for row in _csv("sales_pipeline.csv"):
        if row["deal_stage"] == "Won":
            expected[row["account"]] += float(row["close_value"])
    won = session.exec(
        select(Account.name, func.sum(Deal.amount))
        .join(Deal, Deal.account_id == Account.id)
        .where(Deal.stage == "won")
        .group_by(Account.name)
    ).all()
    assert dict(won) == dict(expected)
    stages = Counter(session.exec(select(Deal.stage)).all())
    assert stages == {"won": 4238, "lost": 2473, "open": 2089}
    # the real dates (no demo shift) and the first close
    assert session.exec(select(func.max(Deal.closed_on))).one() == date(2017, 12, 31)

    again = import_folder("maven", maven.data_dir(), session=session, now=NOW, actor=ACTOR)
    session.commit()
    assert all(r.created == 0 and r.updated == 0 and r.unchanged == r.rows for r in again)
    assert count(Deal) == 8800 and count(Interaction) == reports[3].created


CRM_EXPORT = (
    "\ufeffOpportunity ID;Account Name;Opportunity Owner;Stage;Amount;Close Date;Created Date\r\n"
    'OPP-1;Acme Corp;anna@example.com;Closed Won;"€1.234,50";25/03/2024;02/01/2024\r\n'
    "OPP-2;acme corp;Anna Berg;Negotiation;€ 12.000;;03/02/2024\r\n"
    "OPP-3;Beta AS;;Closed Lost;0;01/04/2024;15/02/2024\r\n"
)


def _seed(session: Session, tmp_path: Path) -> None:
    """Two accounts (one the other's subsidiary) and their account manager, from CSV."""
    users = write(tmp_path / "users.csv", "Full Name,E-mail,Role\nAnna Berg,Anna@Example.com,am\n")
    import_file("users", users, session=session, now=NOW, actor=ACTOR)
    accounts = write(
        tmp_path / "accounts.csv",
        "Company,Industry,Account Owner,Employees,Parent Account\n"
        'Acme Corp,retail,anna@example.com,"1,200",\nBeta AS,energy,Anna Berg,40,Acme Corp\n',
    )
    import_file("accounts", accounts, session=session, now=NOW, actor=ACTOR)
    session.commit()


def test_a_crm_export_with_bom_crlf_semicolons_and_locale_values(
    session: Session, tmp_path: Path
) -> None:
    _seed(session, tmp_path)
    path = write(tmp_path / "opportunities.csv", CRM_EXPORT)
    report = import_file("deals", path, session=session, now=NOW, actor=ACTOR)
    session.commit()
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert report.ignored_columns == []
    deals = {d.external_id: d for d in session.exec(select(Deal)).all()}
    anna = session.exec(select(User).where(User.email == "anna@example.com")).one()
    acme = session.exec(select(Account).where(Account.name == "Acme Corp")).one()
    beta = session.exec(select(Account).where(Account.name == "Beta AS")).one()
    assert beta.parent_id == acme.id and acme.employees == 1200 and acme.owner_id == anna.id
    one, two, three = deals["OPP-1"], deals["OPP-2"], deals["OPP-3"]
    assert (one.stage, one.amount, one.closed_on, one.engaged_on) == (
        "won",
        1234.5,
        date(2024, 3, 25),
        date(2024, 1, 2),
    )
    assert (two.stage, two.amount, two.account_id, two.owner_id) == (
        "open",
        12000.0,
        acme.id,
        anna.id,
    )
    assert (three.stage, three.account_id, three.owner_id) == ("lost", beta.id, None)


def test_reimport_updates_by_external_id_and_reports_what_changed(
    session: Session, tmp_path: Path
) -> None:
    _seed(session, tmp_path)
    path = write(tmp_path / "opportunities.csv", CRM_EXPORT)
    import_file("deals", path, session=session, now=NOW, actor=ACTOR)
    changed = CRM_EXPORT.replace("€ 12.000", "€ 15.000") + "OPP-4;Beta AS;;Prospecting;5;;\r\n"
    report = import_file("deals", write(path, changed), session=session, now=NOW, actor=ACTOR)
    session.commit()
    assert (report.created, report.updated, report.unchanged) == (1, 1, 2)
    assert session.exec(select(func.count()).select_from(Deal)).one() == 4
    assert session.exec(select(Deal.amount).where(Deal.external_id == "OPP-2")).one() == 15000.0
    accounts = import_file(
        "accounts", tmp_path / "accounts.csv", session=session, now=NOW, actor=ACTOR
    )
    assert (accounts.created, accounts.updated, accounts.unchanged) == (0, 0, 2)


def test_map_option_and_a_saved_profile(session: Session, tmp_path: Path) -> None:
    _seed(session, tmp_path)
    contacts = write(
        tmp_path / "people.csv",
        "Org,Who,Job,Birth date,Decision Maker,Fan of,Colour\n"
        "Acme Corp,Kari Nordmann,CFO,1980-05-17,yes,Rosenborg,blue\n"
        "Beta AS,Ola Hansen,Buyer,,no,,\n",
    )
    with pytest.raises(FileProblem) as missing:
        import_file("contacts", contacts, session=session, now=NOW, actor=ACTOR)
    assert "no column for the contact's 'account', 'name'" in str(missing.value)
    profile = write(
        tmp_path / "people.toml",
        '[contacts]\nfile = "people.csv"\n[contacts.columns]\nOrg = "account"\n'
        'Job = "title"\n"Fan of" = "favourite_team"\n'
        '[interactions.values.kind]\n"Phone call" = "call"\n',
    )
    options = ImportOptions(columns={"Who": "name"})
    reports = import_folder(
        str(profile), tmp_path, session=session, now=NOW, actor=ACTOR, options=options
    )
    assert reports[0].created == 2 and reports[0].ignored_columns == ["Colour"]
    kari = session.exec(select(Contact).where(Contact.name == "Kari Nordmann")).one()
    assert (kari.title, kari.birthday, kari.decision_maker, kari.favourite_team) == (
        "CFO",
        date(1980, 5, 17),
        True,
        "Rosenborg",
    )
    log = write(
        tmp_path / "calls.csv",
        "Company,When,Type,Subject,With,Owner\n"
        "Acme Corp,2024-05-02 14:30,Phone call,Renewal talk,Kari Nordmann,anna@example.com\n",
    )
    from core.transfer.profiles import load_profile

    options = load_profile(profile).options("interactions", ImportOptions(timezone="Europe/Oslo"))
    report = import_file(
        "interactions", log, session=session, now=NOW, actor=ACTOR, options=options
    )
    assert report.created == 1
    call = session.exec(select(Interaction)).one()
    assert (call.kind, call.contact_id, call.source) == ("call", kari.id, "import")
    assert call.occurred_at == datetime(2024, 5, 2, 12, 30, tzinfo=UTC)  # 14:30 in Oslo (CEST)


GOOD = "external_id,account,stage,amount,closed_on\nD1,Acme Corp,won,100,2024-01-05\n"
BROKEN: dict[str, tuple[str, bytes, str]] = {
    "missing column": (
        "deals",
        b"external_id,account,stage,closed_on\nD1,Acme Corp,won,2024-01-05\n",
        "no column for the deal's 'amount'",
    ),
    "bad date": (
        "deals",
        (GOOD + "D2,Acme Corp,won,50,2024-13-45\n").encode(),
        "deals.csv, row 3, column 'closed_on': cannot read '2024-13-45' as a date",
    ),
    "bad number": (
        "deals",
        (GOOD + "D2,Acme Corp,won,about fifty,2024-01-05\n").encode(),
        "row 3, column 'amount': cannot read 'about fifty' as a number",
    ),
    "an amount too large to store": (
        "deals",
        (GOOD + "D2,Acme Corp,won,1e400,2024-01-05\n").encode(),
        "row 3, column 'amount': '1e400' is not a finite number",
    ),
    "an amount that is not a number": (
        "deals",
        (GOOD + "D2,Acme Corp,won,nan,2024-01-05\n").encode(),
        "row 3, column 'amount': 'nan' is not a finite number",
    ),
    "unknown account": (
        "deals",
        (GOOD + "D2,Acme Crop,won,50,2024-01-05\n").encode(),
        "row 3, column 'account': no account is called 'Acme Crop' (did you mean 'Acme Corp'?)",
    ),
    "duplicate id": (
        "deals",
        (GOOD + "D1,Beta AS,lost,5,2024-01-06\n").encode(),
        "row 3, column 'external_id': the same external id as row 2",
    ),
    "wrong encoding": (
        "accounts",
        "name,country\nCafé Møller,Norway\n".encode("latin-1"),
        "is not UTF-8 text (byte 0xE9 on line 2",
    ),
    "empty file": ("accounts", b"", "is empty"),
    "an amount beyond what kam keeps": (
        "deals",
        (GOOD + "D2,Acme Corp,won,1e308,2024-01-05\n").encode(),
        "row 3, column 'amount': '1e308' is out of range",
    ),
    "trailing garbage after a number": (
        "deals",
        (GOOD + "D2,Acme Corp,won,12 abc,2024-01-05\n").encode(),
        "row 3, column 'amount': cannot read '12 abc' as a number",
    ),
    "an oversized whole number": (
        "accounts",
        b"name,employees\nGamma AS,99999999999999999999\n",
        "row 2, column 'employees': '99999999999999999999' is out of range",
    ),
    "a NUL byte in text": (
        "accounts",
        b"name,sector\nGamma AS,ret\x00ail\n",
        "row 2, column 'sector': the text holds a NUL character",
    ),
    "an oversized id": (
        "interactions",
        b"account,summary,occurred_at,contact_id\nAcme Corp,Call,2024-01-01,99999999999999\n",
        "row 2, column 'contact_id': '99999999999999' is not a kam id",
    ),
    "a parent cycle": (
        "accounts",
        b"name,parent\nGamma AS,Delta AS\nDelta AS,Gamma AS\n",
        "row 3, column 'parent': its parent group leads back to the account itself",
    ),
    "a parent cycle through a stored account": (
        "accounts",
        b"name,parent\nAcme Corp,Beta AS\n",  # Beta AS is stored as Acme Corp's subsidiary
        "row 2, column 'parent': its parent group leads back to the account itself",
    ),
    "an interaction dated in the future": (
        "interactions",
        b"account,summary,occurred_at\nAcme Corp,Call,9999-01-01\n",
        "row 2, column 'occurred_at': 9999-01-01 00:00 is in the future",
    ),
    "a row after a multi-line cell": (
        "accounts",
        b'name,sector\nGamma AS,"two\nlines"\nDelta AS,\x00\n',
        "row 4, column 'sector'",
    ),
    "an unbalanced quote": (
        "accounts",
        b'name,sector\nGamma AS,a\nDelta AS,b\nEpsilon AS,c\nZeta AS,"oops\nEta AS,d\nTheta,e\n',
        "accounts.csv, row 5: cannot read the row",
    ),
    "a line of 10,000 columns": (
        "deals",
        (GOOD + ",".join(["x"] * 10_000) + "\n").encode(),
        "row 3: the row has 10,000 fields but the header has 5",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_is_refused_clearly_and_changes_nothing(
    case: str, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind, data, message = BROKEN[case]
    engine = open_database(db_url)
    with Session(engine) as s:
        _seed(s, tmp_path)
    engine.dispose()
    assert (
        kam(capsys, "import", "deals", str(write(tmp_path / "ok.csv", GOOD)), "--db", db_url)[0]
        == 0
    )
    before = dump(db_url)
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(data)
    code, out, err = kam(capsys, "import", kind, str(path), "--db", db_url)
    assert code == 1 and out == "" and "Traceback" not in err
    assert message in err
    assert dump(db_url) == before


def test_utf16_without_a_byte_order_mark_is_read(session: Session, tmp_path: Path) -> None:
    for codec in ("utf-16-le", "utf-16-be"):
        path = write(tmp_path / f"{codec}.csv", f"name,country\nCafé {codec},Norway\n", codec)
        assert import_file("accounts", path, session=session, now=NOW, actor=ACTOR).created == 1
    names = session.exec(select(Account.name).order_by(Account.name)).all()
    assert names == ["Café utf-16-be", "Café utf-16-le"]


def test_errors_show_the_first_fifty_and_a_count(session: Session, tmp_path: Path) -> None:
    _seed(session, tmp_path)
    rows = "".join(f"D{i},Nowhere Inc,won,{i},2024-01-05\n" for i in range(120))
    path = write(tmp_path / "deals.csv", "external_id,account,stage,amount,closed_on\n" + rows)
    with pytest.raises(ImportRejected) as rejected:
        import_file("deals", path, session=session, now=NOW, actor=ACTOR)
    text = str(rejected.value)
    assert text.startswith("deals.csv: 120 problems found; nothing was written.")
    assert text.count("no account is called 'Nowhere Inc'") == 50
    assert "... and 70 more." in text and "--skip-invalid" in text


def test_skip_invalid_writes_the_good_rows_and_sets_the_rest_aside(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_database(db_url)
    with Session(engine) as s:
        _seed(s, tmp_path)
    engine.dispose()
    path = write(
        tmp_path / "deals.csv",
        GOOD + "D2,Acme Crop,won,50,2024-01-05\nD3,Beta AS,open,7,\n" + ",".join("x" * 40) + "\n",
    )
    code, out, _ = kam(capsys, "import", "deals", str(path), "--dry-run", "--db", db_url)
    assert code == 1
    code, out, _ = kam(
        capsys, "import", "deals", str(path), "--skip-invalid", "--dry-run", "--db", db_url
    )
    assert code == 0 and "2 would be created" in out and "nothing was written" in out
    assert not dump(db_url)["deals"]
    code, out, _ = kam(capsys, "import", "deals", str(path), "--skip-invalid", "--db", db_url)
    assert code == 0 and "2 were created" in out and "2 rejected" in out
    assert [r[3] for r in dump(db_url)["deals"]] == ["D1", "D3"]
    with (tmp_path / "deals.rejected.csv").open(encoding="utf-8") as handle:
        rejected = list(csv.reader(handle))
    assert rejected[0][:3] == ["row", "problem", "external_id"]
    assert [r[0] for r in rejected[1:]] == ["3", "5"]
    assert "Acme Crop" in rejected[1][1] and rejected[1][2:] == [
        "D2",
        "Acme Crop",
        "won",
        "50",
        "2024-01-05",
    ]
    # a second run keeps the first run's rejected rows under a dated name and says so
    first = (tmp_path / "deals.rejected.csv").read_bytes()
    code, out, _ = kam(capsys, "import", "deals", str(path), "--skip-invalid", "--db", db_url)
    assert code == 0 and "the earlier rejected rows are kept in" in out
    kept = [p for p in tmp_path.glob("deals.rejected.*.csv")]
    assert len(kept) == 1 and kept[0].read_bytes() == first and kept[0].name in out
    assert (tmp_path / "deals.rejected.csv").exists()


def test_usage_mistakes_are_one_clear_error(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "a.csv", "name\nAcme\n")
    for args, message in (
        (["import"], "Say what to import"),
        (["import", "widgets", str(path)], "Say what to import"),
        (["import", "accounts", str(path), "--map", "nope"], "write it as SOURCE COLUMN=FIELD"),
        (["import", "accounts", str(path), "--map", "Nope=name"], "has no column 'Nope'"),
        (["import", "accounts", str(path), "--map", "name=colour"], "have no field 'colour'"),
        (["import", "accounts", str(tmp_path / "none.csv")], "There is no file"),
        (["import", "--profile", "maven", str(path)], "is not a folder"),
        (["export", str(path)], "is a file"),
    ):
        code, _, err = kam(capsys, *args, "--db", db_url)
        assert code == 1 and message in err, (args, err)


def test_parents_and_managers_may_be_rows_of_the_same_file(
    session: Session, tmp_path: Path
) -> None:
    people = write(
        tmp_path / "team.csv",
        "name,email,role,manager\nAnna Berg,anna@example.com,am,Maria Lund\n"
        "Maria Lund,maria@example.com,manager,\n",
    )
    import_file("users", people, session=session, now=NOW, actor=ACTOR)
    groups = write(tmp_path / "groups.csv", "name,parent\nSub AS,Group ASA\nGroup ASA,\n")
    import_file("accounts", groups, session=session, now=NOW, actor=ACTOR)
    session.commit()
    anna = session.exec(select(User).where(User.email == "anna@example.com")).one()
    sub = session.exec(select(Account).where(Account.name == "Sub AS")).one()
    assert anna.manager_id is not None and sub.parent_id is not None
    loop = write(tmp_path / "loop.csv", "name,parent\nSelfish Ltd,selfish ltd\n")
    with pytest.raises(ImportRejected, match="cannot be its own parent group"):
        import_file("accounts", loop, session=session, now=NOW, actor=ACTOR)
