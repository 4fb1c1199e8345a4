//! The judge on an arbitrary actual body against a fixed documented
//! response: never a panic, and every finding's pointer is a JSON pointer.
#![no_main]

use graph_contract::model::{Actual, DocBody, DocResponse, JudgeOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let documented = serde_json::json!({
        "@odata.type": "#microsoft.graph.onenoteOperation",
        "id": "08fa4fcd-4fcd-08fa-cd4f-fa08cd4ffa08",
        "createdDateTime": "2017-01-01T00:00:51.2796212+03:00",
        "value": [{"id": "a", "n": 1}, {"id": "b", "flag": true}],
        "error": {"code": "String"}
    });
    let expected = DocResponse {
        line: 1,
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body_text: documented.to_string(),
        body: DocBody::Json(documented),
        truncated: data.first().is_some_and(|b| b & 1 == 1),
        is_collection: None,
        is_empty: false,
        odata_type: None,
    };
    let actual = Actual {
        status: 200,
        headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
        body: data.to_vec(),
        tries: 1,
    };
    for strict in [false, true] {
        for f in graph_contract::judge::judge(&expected, &actual, &JudgeOptions { strict, ..Default::default() }) {
            assert!(f.pointer.is_empty() || f.pointer.starts_with('/'), "{}", f.pointer);
        }
    }
});
