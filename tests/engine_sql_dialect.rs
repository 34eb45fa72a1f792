//! Probes of the polars SQL dialect that rule authors rely on (documented in
//! docs/architecture.md §4). If a polars upgrade changes one of these, this test says which.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use polars::prelude::*;
use polars::sql::SQLContext;

fn ctx() -> SQLContext {
    let t = DataFrame::new(
        3,
        vec![
            Column::new("id".into(), ["a", "b", "c"]),
            Column::new("name".into(), ["Test", "svc-x", "api token"]),
            Column::new("n".into(), [1i64, 5, 10]),
            Column::new("f".into(), [1.5f64, 70000.0, 0.0]),
            Column::new("b".into(), [true, false, true]),
            Column::new("g".into(), [Some("x"), None, Some("y")]),
        ],
    )
    .unwrap();
    let u = DataFrame::new(
        3,
        vec![
            Column::new("tid".into(), ["a", "a", "c"]),
            Column::new("role".into(), ["SUPER_ADMIN", "ORG_ADMIN", "APP_ADMIN"]),
        ],
    )
    .unwrap();
    let c = SQLContext::new();
    c.register("t", t.lazy());
    c.register("u", u.lazy());
    c
}

fn run(q: &str) -> Result<DataFrame, String> {
    let mut c = ctx();
    c.execute(q)
        .and_then(|lf| lf.collect())
        .map_err(|e| e.to_string())
}

/// Queries the dialect notes say work: each must plan and run.
const WORKS: &[&str] = &[
    "SELECT id FROM t WHERE REGEXP_LIKE(name, '^(svc|api)[-_. ]')",
    "SELECT id FROM t WHERE REGEXP_LIKE(name, '^test$', 'i')",
    "SELECT id FROM t WHERE name ~ '^svc'",
    "SELECT id FROM t WHERE name ~* '^TEST$'",
    "SELECT id FROM t WHERE name !~ '^svc'",
    "SELECT id FROM t WHERE name LIKE 'svc%'",
    "SELECT id FROM t WHERE name ILIKE 'TEST'",
    "SELECT id FROM t WHERE name RLIKE '^svc'",
    "SELECT id FROM t WHERE LOWER(name) IN ('test', 'api token')",
    "SELECT id, LENGTH(name) AS l FROM t WHERE LENGTH(name) < 6",
    "SELECT id, COALESCE(g, 'none') AS g2 FROM t",
    "SELECT id, CASE WHEN n > 4 THEN 'high' ELSE 'medium' END AS severity FROM t",
    "SELECT id FROM t WHERE id IN (SELECT tid FROM u WHERE role = 'SUPER_ADMIN')",
    "SELECT id FROM t WHERE id NOT IN (SELECT tid FROM u)",
    "SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.tid = t.id)",
    "SELECT t.id, u.role FROM t LEFT JOIN u ON t.id = u.tid",
    "SELECT t.id FROM t LEFT JOIN u ON t.id = u.tid WHERE u.tid IS NULL",
    "SELECT tid, COUNT(*) AS c FROM u GROUP BY tid HAVING COUNT(*) > 1",
    "SELECT tid, COUNT(DISTINCT role) AS c FROM u GROUP BY tid",
    "SELECT tid AS entity_id, STRING_AGG(role, ', ') AS roles FROM u GROUP BY tid",
    "SELECT id FROM t WHERE b",
    "SELECT id FROM t WHERE b = TRUE",
    "SELECT id FROM t WHERE NOT b",
    "SELECT id FROM t WHERE g IS NULL",
    "SELECT id FROM t WHERE f > 65536",
    "SELECT id FROM t WHERE f > 65536.0",
    "SELECT id, n * 2 AS d FROM t",
    "SELECT id, CAST(n AS VARCHAR) || ' days' AS s FROM t",
    "SELECT id, CONCAT(name, '/', id) AS s FROM t",
    "SELECT id FROM t WHERE STARTS_WITH(name, 'svc')",
    "SELECT id FROM t WHERE name = ''",
    "SELECT * FROM t SEMI JOIN u ON t.id = u.tid",
    "SELECT * FROM t ANTI JOIN u ON t.id = u.tid",
    "WITH x AS (SELECT tid FROM u) SELECT id FROM t WHERE id IN (SELECT tid FROM x)",
    "SELECT id FROM t UNION ALL SELECT tid AS id FROM u",
    "SELECT id FROM t UNION SELECT tid AS id FROM u",
    "SELECT id, MAX(n) OVER (PARTITION BY b) AS m FROM t",
    "SELECT id FROM t WHERE n BETWEEN 2 AND 10",
    "SELECT id, GREATEST(n, 3) AS m FROM t",
    "SELECT id, NULL AS owner FROM t",
    "SELECT id, 'x' AS s FROM t WHERE id = 'zz'",
    "SELECT DISTINCT tid FROM u",
    "SELECT id FROM t WHERE id IN ('a','b') AND NOT (name IN ('x'))",
    "SELECT id, ROUND(f / 3, 1) AS r FROM t",
    "SELECT id, n / 3 AS r FROM t",
    "SELECT id FROM t ORDER BY n DESC LIMIT 1",
    "SELECT id FROM t WHERE SPLIT_PART(name, '-', 1) = 'svc'",
    "SELECT id FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.tid = t.id)",
    "SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.tid = t.id AND u.role = 'ORG_ADMIN')",
    "SELECT id FROM t WHERE g NOT IN ('x')",
    "SELECT id FROM t WHERE g <> 'x'",
    "SELECT t.id, u.tid, name FROM t JOIN u ON t.id = u.tid",
    "SELECT * FROM t JOIN (SELECT tid AS id, role FROM u) x ON t.id = x.id",
    "SELECT t.id AS entity_id, x.id AS other FROM t JOIN (SELECT tid AS id FROM u) x ON t.id = x.id",
    "SELECT id FROM t WHERE name < 'b'",
    "SELECT id, n // 3 AS r FROM t",
    "SELECT id, CAST(n / 3 AS INTEGER) AS r FROM t",
    "SELECT id, COUNT(*) OVER (PARTITION BY b) AS m FROM t",
    "SELECT COUNT(*) AS c FROM t",
    "SELECT 'org' AS entity_id, c FROM (SELECT COUNT(*) AS c FROM t) WHERE c > 1",
    "SELECT id FROM t WHERE REGEXP_LIKE(name, '(?i)^TEST$')",
    "SELECT id FROM t WHERE REGEXP_LIKE(LOWER(name), '^(test|api token)$')",
    "SELECT id, IF(b, 'y', 'n') AS s FROM t",
    "SELECT id, IFNULL(g, '-') AS s FROM t",
    "SELECT id, NULLIF(name, 'Test') AS s FROM t",
    "SELECT id, UPPER(name) AS s FROM t",
    "SELECT id, SUBSTR(name, 1, 3) AS s FROM t",
    "SELECT id FROM t WHERE ENDS_WITH(name, 'x')",
    "SELECT id, STRPOS(name, '-') AS s FROM t",
    "SELECT id, CASE WHEN g IS NULL THEN NULL ELSE g END AS s FROM t",
    "SELECT tid, MIN(role) AS r, MAX(role) AS r2 FROM u GROUP BY tid ORDER BY tid",
    "SELECT tid, SUM(CASE WHEN role = 'SUPER_ADMIN' THEN 1 ELSE 0 END) AS s FROM u GROUP BY tid",
    "SELECT id, type FROM (SELECT id, name AS type FROM t)",
    "SELECT id, status, usage, system FROM (SELECT id, name AS status, name AS usage, b AS system FROM t)",
    "SELECT id, \"type\" FROM (SELECT id, name AS type FROM t) WHERE \"type\" = 'Test'",
    "SELECT id, f FROM t WHERE f >= POWER(2, 16)",
    "SELECT a.tid FROM u a JOIN u b ON a.tid = b.tid AND a.role <> b.role",
    "SELECT a.tid FROM u a JOIN u b ON a.tid = b.tid WHERE a.role <> b.role",
    "SELECT id FROM t CROSS JOIN (SELECT COUNT(*) AS total FROM u) c WHERE n < c.total",
    "SELECT id, TRUE AS flag FROM t",
    "SELECT id, n::VARCHAR AS s FROM t",
    "SELECT id FROM t WHERE g IS NOT NULL AND g != ''",
];

/// Queries the dialect notes say do not work: each must fail.
const FAILS: &[&str] = &[
    "SELECT t.id, (SELECT COUNT(*) FROM u WHERE u.tid = t.id) AS c FROM t",
    "SELECT id FROM t WHERE id IN ()",
    "SELECT 'org' AS entity_id, COUNT(*) AS c FROM t HAVING COUNT(*) > 1",
    "SELECT tid, BOOL_OR(role = 'SUPER_ADMIN') AS s FROM u GROUP BY tid",
    "SELECT id FROM t WHERE id = ANY(SELECT tid FROM u)",
    "SELECT id, n FROM t WHERE n > (SELECT COUNT(*) FROM u)",
    "SELECT id FROM nosuch",
    "SELECT nosuchcol FROM t",
];

#[test]
fn documented_sql_features_work() {
    for q in WORKS {
        if let Err(e) = run(q) {
            panic!("{q}\n{e}");
        }
    }
}

#[test]
fn documented_sql_limitations_still_fail() {
    for q in FAILS {
        assert!(
            run(q).is_err(),
            "now works, update docs/architecture.md §4: {q}"
        );
    }
}

#[test]
fn regex_case_insensitivity_null_semantics_and_division_behave_as_documented() {
    let ids = |q: &str| -> Vec<String> {
        let df = run(q).unwrap();
        df.column("id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or("null").to_string())
            .collect()
    };
    assert_eq!(
        ids("SELECT id FROM t WHERE REGEXP_LIKE(name, '^test$', 'i')"),
        ["a"]
    );
    assert_eq!(ids("SELECT id FROM t WHERE name ~* '^TEST$'"), ["a"]);
    assert_eq!(
        ids("SELECT id FROM t WHERE REGEXP_LIKE(name, '^(svc|api)[-_. ]')"),
        ["b", "c"]
    );
    assert_eq!(
        ids("SELECT id FROM t WHERE g NOT IN ('x')"),
        ["c"],
        "null g is dropped"
    );
    assert_eq!(
        ids("SELECT id FROM t WHERE id IN (NULL)"),
        Vec::<String>::new()
    );
    assert_eq!(
        ids("SELECT id FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.tid = t.id)"),
        ["b"]
    );
    let df = run("SELECT n / 2 AS h, n // 2 AS w FROM t WHERE id = 'b'").unwrap();
    assert_eq!(df.column("h").unwrap().f64().unwrap().get(0), Some(2.5));
    assert_eq!(df.column("w").unwrap().i64().unwrap().get(0), Some(2));
}
