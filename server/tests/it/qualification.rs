//! Merchant qualification review, and authorization of every server function of accounts,
//! qualification and review: anonymous, wrong role and wrong merchant are refused with
//! nothing changed.

use crate::common::*;
use axum::http::StatusCode;
use sqlx::PgPool;

async fn snapshot(pool: &PgPool) -> (i64, i64, i64, Option<String>) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM qualification_events), (SELECT count(*) FROM shops),
                (SELECT count(*) FROM merchant_qualifications),
                (SELECT string_agg(status || ':' || legal_name, ',' ORDER BY merchant_id) FROM merchant_qualifications)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn merchant_id(pool: &PgPool, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn reject_resubmit_approve_opens_the_shop(pool: PgPool) {
    let app = app(pool.clone());
    let merchant = signed_up(&app, "seller@example.com", "merchant").await;
    let staff = signed_in_staff(&app, &pool).await;
    let id = merchant_id(&pool, "seller@example.com").await;

    // Nothing submitted yet.
    assert_eq!(call_as(&app, "my_qualification", "", Some(&merchant), HOME).await.body, "null");

    let submitted = call_as(&app, "submit_qualification", GOOD_DETAILS, Some(&merchant), HOME).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    assert_eq!(submitted.json()["status"], "submitted");

    let queue = call_as(&app, "review_queue", "", Some(&staff), HOME).await.json();
    assert_eq!(queue[0]["merchant_id"], id);

    // A rejection needs a reason.
    let no_reason = call_as(&app, "decide_qualification", &format!("merchant_id={id}&decision=reject&reason=no"), Some(&staff), HOME).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rejected = call_as(
        &app,
        "decide_qualification",
        &format!("merchant_id={id}&decision=reject&reason=Registration+number+does+not+match"),
        Some(&staff),
        HOME,
    )
    .await;
    assert_eq!(rejected.json()["status"], "rejected");

    // The merchant sees the reason, and resubmits.
    let mine = call_as(&app, "my_qualification", "", Some(&merchant), HOME).await.json();
    assert_eq!(mine["rejection_reason"], "Registration number does not match");
    let corrected = GOOD_DETAILS.replace("SG-2019-0042", "SG-2019-0043");
    let again = call_as(&app, "submit_qualification", &corrected, Some(&merchant), HOME).await;
    assert_eq!(again.json()["status"], "submitted");
    assert_eq!(again.json()["details"]["registration_number"], "SG-2019-0043");
    assert!(again.json()["rejection_reason"].is_null());

    // Only open shops appear to shoppers: none yet.
    assert_eq!(call_as(&app, "open_shops", "", None, HOME).await.body, "[]");

    let approved = call_as(&app, "decide_qualification", &format!("merchant_id={id}&decision=approve"), Some(&staff), HOME).await;
    assert_eq!(approved.json()["status"], "approved");
    let shops = call_as(&app, "open_shops", "", None, HOME).await.json();
    assert_eq!(shops[0]["name"], "Bright Gadgets");

    // Every decision is in the history, with who made it.
    let history = approved.json()["history"].clone();
    let steps: Vec<(String, String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor_email"].as_str().unwrap().into(), e["from"].as_str().unwrap().into(), e["to"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        steps,
        [
            ("seller@example.com".into(), "draft".into(), "submitted".into()),
            ("staff@paydesk.test".into(), "submitted".into(), "rejected".into()),
            ("seller@example.com".into(), "rejected".into(), "submitted".into()),
            ("staff@paydesk.test".into(), "submitted".into(), "approved".into()),
        ]
    );

    // Decided is decided: approving twice, or resubmitting after approval, is a conflict.
    let twice = call_as(&app, "decide_qualification", &format!("merchant_id={id}&decision=approve"), Some(&staff), HOME).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let resubmit = call_as(&app, "submit_qualification", GOOD_DETAILS, Some(&merchant), HOME).await;
    assert_eq!(resubmit.status, StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn bad_details_get_a_message_per_field_and_nothing_is_stored(pool: PgPool) {
    let app = app(pool.clone());
    let merchant = signed_up(&app, "k@example.com", "merchant").await;
    let form = "details[legal_name]=&details[registration_number]=%3Cb%3E&details[country]=ZZ\
&details[contact_phone]=abc&details[category]=guns&details[shop_name]=x";
    let answer = call_as(&app, "submit_qualification", form, Some(&merchant), HOME).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.json()["detail"].as_array().unwrap().len(), 6);
    assert_eq!(snapshot(&pool).await, (0, 0, 0, None));

    let missing = call_as(&app, "submit_qualification", "details[legal_name]=x", Some(&merchant), HOME).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
}

/// Every server function that needs a role, called as nobody, as the wrong role and (where it
/// names another merchant's data) as another merchant: refused, nothing changed.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn every_protected_server_function_refuses_the_wrong_caller(pool: PgPool) {
    let app = app(pool.clone());
    let owner = signed_up(&app, "owner@example.com", "merchant").await;
    let other_merchant = signed_up(&app, "other@example.com", "merchant").await;
    let shopper = signed_up(&app, "buyer@example.com", "shopper").await;
    let staff = signed_in_staff(&app, &pool).await;
    call_as(&app, "submit_qualification", GOOD_DETAILS, Some(&owner), HOME).await;
    let owner_id = merchant_id(&pool, "owner@example.com").await;
    let before = snapshot(&pool).await;

    let decide = format!("merchant_id={owner_id}&decision=approve");
    let detail = format!("merchant_id={owner_id}");
    // (server function, form, [(who, cookie, expected status)])
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, Option<&'a str>, StatusCode)]);
    let cases: &[Case] = &[
        ("my_activity", "", &[("anonymous", None, StatusCode::UNAUTHORIZED)]),
        (
            "my_qualification",
            "",
            &[
                ("anonymous", None, StatusCode::UNAUTHORIZED),
                ("shopper", Some(&shopper), StatusCode::FORBIDDEN),
                ("staff", Some(&staff), StatusCode::FORBIDDEN),
            ],
        ),
        (
            "submit_qualification",
            GOOD_DETAILS,
            &[
                ("anonymous", None, StatusCode::UNAUTHORIZED),
                ("shopper", Some(&shopper), StatusCode::FORBIDDEN),
                ("staff", Some(&staff), StatusCode::FORBIDDEN),
            ],
        ),
        (
            "review_queue",
            "",
            &[
                ("anonymous", None, StatusCode::UNAUTHORIZED),
                ("shopper", Some(&shopper), StatusCode::FORBIDDEN),
                ("merchant", Some(&owner), StatusCode::FORBIDDEN),
            ],
        ),
        (
            "review_detail",
            &detail,
            &[
                ("anonymous", None, StatusCode::UNAUTHORIZED),
                ("shopper", Some(&shopper), StatusCode::FORBIDDEN),
                ("the merchant itself", Some(&owner), StatusCode::FORBIDDEN),
                ("another merchant", Some(&other_merchant), StatusCode::FORBIDDEN),
            ],
        ),
        (
            "decide_qualification",
            &decide,
            &[
                ("anonymous", None, StatusCode::UNAUTHORIZED),
                ("shopper", Some(&shopper), StatusCode::FORBIDDEN),
                ("the merchant itself", Some(&owner), StatusCode::FORBIDDEN),
                ("another merchant", Some(&other_merchant), StatusCode::FORBIDDEN),
            ],
        ),
    ];
    for (endpoint, form, callers) in cases {
        for (who, cookie, want) in callers.iter() {
            let answer = call_as(&app, endpoint, form, *cookie, HOME).await;
            assert_eq!(answer.status, *want, "{endpoint} as {who}: {}", answer.body);
        }
    }
    assert_eq!(snapshot(&pool).await, before, "nothing changed");

    // Another merchant's own view shows their own (empty) qualification, never the owner's.
    assert_eq!(call_as(&app, "my_qualification", "", Some(&other_merchant), HOME).await.body, "null");
    // Submitting as the other merchant writes to their own record only.
    call_as(&app, "submit_qualification", &GOOD_DETAILS.replace("Bright+Trading", "Other+Trading"), Some(&other_merchant), HOME).await;
    let owner_view = call_as(&app, "my_qualification", "", Some(&owner), HOME).await.json();
    assert_eq!(owner_view["details"]["legal_name"], "Bright Trading Ltd");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn deciding_an_unknown_submission_is_not_found(pool: PgPool) {
    let app = app(pool.clone());
    let staff = signed_in_staff(&app, &pool).await;
    let answer = call_as(&app, "decide_qualification", "merchant_id=999999&decision=approve", Some(&staff), HOME).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = call_as(&app, "decide_qualification", "merchant_id=1&decision=maybe", Some(&staff), HOME).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}
