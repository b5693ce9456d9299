"""docs/schema.md, generated from the table definitions (pipeline/outputs/schema.py, derived from the models).

    python -m pipeline.outputs.schema_doc           # (re)write docs/schema.md
    python -m pipeline.outputs.schema_doc --check   # exit 1 when docs/schema.md is stale
    finsam schema-doc [--check]              # the same

The tests fail when docs/schema.md differs from what this module generates, so the
document cannot drift from the tables analysts actually get.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pipeline.outputs.schema import FLAGS_PATH, TABLES, TableSpec
from pipeline.outputs.store import DB_NAME

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DOC = ROOT / "docs" / "schema.md"


@dataclass(frozen=True)
class ExampleQuery:
    title: str
    question: str
    sql: str


EXAMPLE_QUERIES: tuple[ExampleQuery, ...] = (
    ExampleQuery(
        "Budget per year per förbund",
        "What income, costs and result does each förbund budget per year? A year appears in several "
        "budgets (as plan, then as comparison column), so the latest document covering the year wins; "
        "the figures are its sum rows.",
        """WITH totals AS (
    SELECT coalesce(s.organisation, d.organisation) AS forbund,
           b.year, b.section, b.amount_sek, b.doc_id, d.file_name,
           coalesce(s.document_date, d.document_date, DATE '1900-01-01') AS doc_date
    FROM budget_lines b
    JOIN documents d USING (doc_id)
    LEFT JOIN segments s ON s.doc_id = b.doc_id AND s.segment_id = b.segment_id
    WHERE b.is_total AND b.amount_sek IS NOT NULL
),
latest AS (
    SELECT forbund, year, arg_max(doc_id, doc_date) AS doc_id
    FROM totals
    GROUP BY forbund, year
)
SELECT forbund,
       year,
       sum(amount_sek) FILTER (WHERE section ILIKE 'intäkt%') AS income_sek,
       sum(amount_sek) FILTER (WHERE section ILIKE 'kostnad%') AS costs_sek,
       sum(amount_sek) FILTER (WHERE section ILIKE 'resultat%') AS result_sek,
       any_value(file_name) AS budget_file
FROM totals
JOIN latest USING (forbund, year, doc_id)
GROUP BY forbund, year
ORDER BY forbund, year""",
    ),
    ExampleQuery(
        "Decisions per meeting",
        "How many decisions (and proposed decisions) did each meeting have?",
        """SELECT coalesce(s.organisation, d.organisation) AS forbund,
       x.meeting_date,
       count(*) FILTER (WHERE x.decision_kind = 'beslut') AS decisions,
       count(*) FILTER (WHERE x.decision_kind = 'forslag_till_beslut') AS proposed_decisions,
       string_agg(DISTINCT d.file_name, ', ' ORDER BY d.file_name) AS files
FROM decisions x
JOIN documents d USING (doc_id)
LEFT JOIN segments s ON s.doc_id = x.doc_id AND s.segment_id = x.segment_id
GROUP BY ALL
ORDER BY forbund, x.meeting_date""",
    ),
    ExampleQuery(
        "Parties over the years",
        "Which parties appear in agreements, in which years, and in which roles?",
        """SELECT coalesce(p.canonical_name, p.name) AS party,
       year(coalesce(s.valid_from, s.document_date, d.document_date)) AS year,
       count(DISTINCT p.doc_id) AS agreements,
       string_agg(DISTINCT p.role, ', ' ORDER BY p.role) AS roles
FROM parties p
JOIN documents d USING (doc_id)
LEFT JOIN segments s ON s.doc_id = p.doc_id AND s.segment_id = p.segment_id
GROUP BY ALL
ORDER BY party, year""",
    ),
    ExampleQuery(
        "Flags by severity",
        "What did reconciliation find, worst first?",
        """SELECT severity,
       rule_id,
       count(*) AS flags,
       min(year) AS first_year,
       max(year) AS last_year
FROM flags
GROUP BY severity, rule_id
ORDER BY CASE severity WHEN 'error' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END, flags DESC""",
    ),
    ExampleQuery(
        "OCR pages with low confidence",
        "Which scanned pages were read badly and deserve a look by a person?",
        """SELECT d.file_name,
       p.page,
       p.ocr_confidence,
       p.text_quality,
       d.doc_type,
       left(p.text, 80) AS start_of_text
FROM pages p
JOIN documents d USING (doc_id)
WHERE p.method = 'ocr' AND p.ocr_confidence < 70
ORDER BY p.ocr_confidence, d.file_name, p.page""",
    ),
)


def duckdb_type(t: pa.DataType) -> str:
    """The DuckDB type a column of Arrow type `t` has when DuckDB reads the Parquet file."""
    if isinstance(t, pa.BaseExtensionType) and t.extension_name == "arrow.json":
        return "JSON"
    if pa.types.is_string(t):
        return "VARCHAR"
    if pa.types.is_int32(t):
        return "INTEGER"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_date32(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP WITH TIME ZONE" if t.tz else "TIMESTAMP"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_list(t):
        return f"{duckdb_type(t.value_type)}[]"
    if pa.types.is_struct(t):
        inner = ", ".join(f"{t.field(i).name} {duckdb_type(t.field(i).type)}" for i in range(t.num_fields))
        return f"STRUCT({inner})"
    raise ValueError(f"no DuckDB name for {t}")


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table_section(spec: TableSpec) -> list[str]:
    lines = [f"### {spec.name}", "", spec.description, ""]
    lines += ["| column | type | meaning | from |", "|---|---|---|---|"]
    for col in spec.columns:
        source = f"`{col.model_field}`" if col.model_field else (
            f"computed: {col.source.__doc__ or col.source.__name__}" if callable(col.source) else "")
        lines.append(f"| `{col.name}` | {duckdb_type(col.type)} | {_escape(col.description)} | {source} |")
    lines.append("")
    if spec.excluded and spec.model is not None:
        lines.append("Not columns: " + "; ".join(
            f"`{_field_name(spec, name)}` ({_escape(why)})" for name, why in spec.excluded.items()) + ".")
        lines.append("")
    return lines


def _field_name(spec: TableSpec, name: str) -> str:
    if name.startswith("provenance."):
        return f"Provenance.{name.split('.', 1)[1]}"
    return f"{spec.model.__name__}.{name}"


def generate() -> str:
    lines = [
        "# Analyst tables: schema",
        "",
        "<!-- Generated by `python -m pipeline.outputs.schema_doc` (or `finsam schema-doc`) from the table "
        "definitions in pipeline/outputs/schema.py (derived from the record models in models/records.py); "
        "do not edit by hand. A test fails when this file is stale. -->",
        "",
        "After every batch finsam rebuilds, under the output folder (default `outputs/`):",
        "",
        "- `tables/<table>.parquet`: one Parquet file per table below, written atomically "
        "(a reader never sees half a file; a failed rebuild leaves the previous version);",
        f"- `{DB_NAME}`: a DuckDB database with one view per table over those files.",
        "",
        "```sh",
        f"duckdb outputs/{DB_NAME} -c \"select doc_type, count(*) from segments group by 1\"",
        "finsam query \"select * from decisions limit 10\"          # --format csv|json|parquet --output FILE",
        "finsam export --xlsx finsam.xlsx                           # one sheet per table",
        "finsam tables                                              # tables, row counts, columns",
        "```",
        "",
        "Conventions:",
        "",
        "- Every table has its columns and types even when it has no rows.",
        "- Dates are `DATE`; `amount_sek` is whole kronor as `DECIMAL(18,0)` (tkr and mnkr multiplied out).",
        "  `pandas.read_parquet` reads it as Python `Decimal` objects (dtype `object`) and DuckDB's `.df()` as "
        "`float64`; for integers cast in SQL (`amount_sek::BIGINT`) or in pandas "
        "(`df.amount_sek.astype(\"Int64\")`, nulls kept).",
        "- Lists are Parquet lists (`VARCHAR[]`, `INTEGER[]`): `list_contains(paragraphs, 5)`, `unnest(presenters)`.",
        "- `evidence` is `JSON`: `evidence->0->>'doc_id'`.",
        "- `finsam query --format csv` writes structs (`bbox`) and lists as JSON text "
        "(`{\"x0\":10.0,...}`, `[\"a\",\"b\"]`).",
        "- Record tables join to `documents` on `doc_id` and to `segments` on `doc_id, segment_id`.",
        "- Every record carries its provenance: `record_id`, `file_name`, `page`, `method` "
        "(text, ocr, docx, txt), `ocr_confidence`, `char_start`/`char_end`, `bbox`, and `warnings` "
        "(non-empty when the value was guessed or read from damaged text).",
        f"- `flags` comes from the reconciliation stage's `{FLAGS_PATH.as_posix()}` under the output folder "
        "(empty until reconciliation has run); `errors` from `errors/*.json`.",
        "- Text values (names, titles, roles) are as printed; `canonical_*` columns hold the matched form.",
        "- Each document counts once: a file that is the same document as another (same type, organisation "
        "and date, near-identical text, e.g. a PDF and its later scan) has `documents.same_as` = the canonical "
        "file's `doc_id`, and the views `documents`, `pages`, `segments`, ... leave its rows out. Every "
        "document table also has a view `<table>_all` with every file's rows "
        "(`select doc_id, file_name, same_as from documents_all where same_as is not null`). "
        "The Parquet files and `finsam export --xlsx` hold every row.",
        "- Every field of a table's model is a column (typed from the model) unless listed under *Not columns*.",
        "",
        "## Tables",
        "",
        "| table | rows are |",
        "|---|---|",
    ]
    lines += [f"| [`{t.name}`](#{t.name}) | {_escape(t.description)} |" for t in TABLES]
    lines.append("")
    for spec in TABLES:
        lines += _table_section(spec)
    lines += ["## Example queries", "",
              "Each runs as it stands with `finsam query \"...\"` or in the DuckDB shell "
              f"(`duckdb outputs/{DB_NAME}`); the tests run all five.", ""]
    for i, q in enumerate(EXAMPLE_QUERIES, 1):
        lines += [f"### {i}. {q.title}", "", q.question, "", "```sql", q.sql + ";", "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def write(path: Path = SCHEMA_DOC) -> bool:
    """Write the document; returns True when it changed."""
    text = generate()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    from pipeline.outputs.store import write_atomic
    write_atomic(path, text.encode("utf-8"))
    return True


def is_fresh(path: Path = SCHEMA_DOC) -> bool:
    return path.exists() and path.read_text(encoding="utf-8") == generate()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        if is_fresh():
            print(f"{SCHEMA_DOC} is up to date")
            return 0
        print(f"{SCHEMA_DOC} is stale: run `python -m pipeline.outputs.schema_doc`", file=sys.stderr)
        return 1
    changed = write()
    print(f"{'wrote' if changed else 'unchanged'}: {SCHEMA_DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
