//! A service for the seed page (POST .../onenote/operations) that behaves
//! like a real one: its own id and dates, its own Content-Type, one property
//! the doc does not show; drifts are applied on top.

use super::{Req, Resp, TestServer, fresh_guid, now_rfc3339, serve};
use serde_json::{Value, json};

/// What a real service would answer to the seed's POST: its own id and
/// date, its own Content-Type, one property the doc does not show.
pub fn conforming_body() -> Value {
    json!({
        "@odata.context": "https://example.test/v1.0/$metadata#users('x')/onenote/operations/$entity",
        "@odata.type": "#microsoft.graph.onenoteOperation",
        "id": fresh_guid(),
        "status": "Running",
        "createdDateTime": now_rfc3339(),
        "lastActionDateTime": now_rfc3339(),
        "resourceLocation": "https://example.test/v1.0/me/onenote/notebooks/1-abc",
        "resourceId": "1-abc",
        "error": {"@odata.type": "microsoft.graph.onenoteOperationError", "code": "0", "message": ""},
        "percentComplete": "40",
        "operationKind": "copy"
    })
}

/// A service for the seed page; `drift` changes the answer before it is sent.
/// The service itself checks what the harness sent and answers 400 when the
/// request is not the documented one (so a wrong request cannot pass).
pub fn seed_server(drift: impl Fn(&mut Value, &mut Resp) + Send + Sync + 'static) -> TestServer {
    serve(move |req: Req| {
        let problem = if req.method != "POST" || req.path != "/localtest/me/onenote/operations" {
            Some(format!("unexpected {} {}", req.method, req.path))
        } else if !req
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json"))
        {
            Some("no JSON Content-Type".to_owned())
        } else if req.header("content-length") != Some(&req.body.len().to_string()) {
            Some(format!(
                "wrong Content-Length {:?}",
                req.header("content-length")
            ))
        } else {
            match serde_json::from_slice::<Value>(&req.body) {
                Ok(v) if v["@odata.type"] == "#microsoft.graph.onenoteOperation" => None,
                _ => Some("the body is not the documented JSON".to_owned()),
            }
        };
        if let Some(p) = problem {
            return Resp::json(400, &json!({"error": {"code": "badRequest", "message": p}}));
        }
        let mut body = conforming_body();
        let mut resp = Resp::json(201, &Value::Null);
        drift(&mut body, &mut resp);
        resp.body = body.to_string().into_bytes();
        resp
    })
}
