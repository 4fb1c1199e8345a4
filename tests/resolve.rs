//! The CSDL path resolver (`Metadata::resolve_path`, `path_template`):
//! documented URL shapes against the real Graph v1.0 `$metadata`, messages
//! against a small inline service, and the whole v1.0 corpus.
//!
//! The corpus and the metadata are test data outside the project:
//! `$GRAPH_CONTRACT_CORPUS` (or `../shared/graph-docs/v1.0/api`) and
//! `$GRAPH_CONTRACT_METADATA` (or `../shared/graph-metadata/v1.0.csdl`).
//! Missing either is a failure, never a silent pass.

mod support;

use graph_contract::csdl::{Declaration, Metadata, Resolution, path_template};
use graph_contract::docs::read_paths;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn metadata_path() -> PathBuf {
    match std::env::var_os("GRAPH_CONTRACT_METADATA") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-metadata/v1.0.csdl"),
    }
}

fn real() -> &'static Metadata {
    static M: OnceLock<Metadata> = OnceLock::new();
    M.get_or_init(|| {
        let path = metadata_path();
        assert!(
            path.exists(),
            "the Microsoft Graph v1.0 metadata is expected at {} \
             (set GRAPH_CONTRACT_METADATA to its path); it is test data kept \
             outside the project (shared/graph-metadata/v1.0.csdl)",
            path.display()
        );
        Metadata::load(&path).unwrap_or_else(|e| panic!("the real metadata loads: {e}"))
    })
}

use Declaration::{Action, EntitySet, Function, Navigation, Singleton};

fn g(name: &str) -> String {
    format!("microsoft.graph.{name}")
}
fn nav(owner: &str, name: &str) -> Declaration {
    Navigation(g(owner), name.into())
}
fn action(name: &str, binding: &str) -> Declaration {
    Action(g(name), binding_of(binding))
}
fn function(name: &str, binding: &str) -> Declaration {
    Function(g(name), binding_of(binding))
}
/// `user` → `microsoft.graph.user`, `[user]` → `Collection(microsoft.graph.user)`.
fn binding_of(b: &str) -> String {
    match b.strip_prefix('[').and_then(|b| b.strip_suffix(']')) {
        Some(inner) => format!("Collection({})", g(inner)),
        None => g(b),
    }
}

/// Documented URL shapes (from the v1.0 pages: examples and "HTTP request"
/// sections), each to what it addresses and its template.
#[test]
fn documented_shapes_resolve_against_the_v1_metadata() {
    let meta = real();
    // (url, target, template)
    let table: Vec<(&str, Declaration, &str)> = vec![
        // singletons, versions
        (
            "GET https://graph.microsoft.com/v1.0/me",
            Singleton("me".into()),
            "/me",
        ),
        (
            "https://graph.microsoft.com/v1.0/me",
            Singleton("me".into()),
            "/me",
        ),
        ("/me/events", nav("user", "events"), "/me/events"),
        (
            "https://graph.microsoft.com/beta/me/messages",
            nav("user", "messages"),
            "/me/messages",
        ),
        (
            "https://graph.microsoft.com/{version}/me/messages",
            nav("user", "messages"),
            "/me/messages",
        ),
        (
            "https://graph.microsoft.com/v1.0/me/messages?$top=1&$select=subject",
            nav("user", "messages"),
            "/me/messages",
        ),
        // keys
        (
            "/users/{id | userPrincipalName}",
            EntitySet("users".into()),
            "/users/{id}",
        ),
        (
            "https://graph.microsoft.com/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            EntitySet("users".into()),
            "/users/{id}",
        ),
        (
            "/users/AdeleV@contoso.onmicrosoft.com/photo/$value",
            nav("user", "photo"),
            "/users/{id}/photo/$value",
        ),
        (
            "https://graph.microsoft.com/v1.0/me/events('AAMkAGE1M2_bs88AACbuFiiAAA=')?$expand=multiValueExtendedProperties($filter=id%20eq%20'x')",
            nav("user", "events"),
            "/me/events/{id}",
        ),
        (
            "PATCH https://graph.microsoft.com/v1.0/me/messages('AAMkAGE1M2_as77AACHsLrBBBA=')",
            nav("user", "messages"),
            "/me/messages/{id}",
        ),
        (
            "/users(id='87d349ed-44d7-43e1-9a83-5f2406dee5bd')/messages",
            nav("user", "messages"),
            "/users/{id}/messages",
        ),
        (
            "/chats/19:2da4c29f6d7041eca70b638b43d45437@thread.v2/messages/1615971548136/hostedContents/aWQ9eF8wLXd1cy1kOS1lNTRmNjM1NWYxYmJkNGQ3ZTNmNGJhZmU4NTI5MTBmNix0eXBlPTEsdXJsPWh0dHBzOi8vdXMtYXBpLmFzbS5za3lwZS5jb20vdjEvb2JqZWN0cy8wLXd1cy1kOS1lNTRmNjM1NWYxYmJkNGQ3ZTNmNGJhZmU4NTI5MTBmNi92aWV3cy9pbWdv/$value",
            nav("chatMessage", "hostedContents"),
            "/chats/{id}/messages/{id}/hostedContents/{id}/$value",
        ),
        ("/sites/root", EntitySet("sites".into()), "/sites/{id}"),
        // nested navigation, case-insensitive names
        (
            "/me/mailFolders/{id}/childFolders/{id}/messages",
            nav("mailFolder", "messages"),
            "/me/mailFolders/{id}/childFolders/{id}/messages",
        ),
        (
            "https://graph.microsoft.com/v1.0/me/mailfolders/AQMkADYAAAIBDAAAAA==/childfolders",
            nav("mailFolder", "childFolders"),
            "/me/mailFolders/{id}/childFolders",
        ),
        (
            "/identityGovernance/accessReviews/definitions/{accessReviewScheduleDefinitionId}/instances/{accessReviewInstanceId}/decisions",
            nav("accessReviewInstance", "decisions"),
            "/identityGovernance/accessReviews/definitions/{id}/instances/{id}/decisions",
        ),
        // casts (type or derived), alias, implicit casts
        (
            "/groups/{id}/members/microsoft.graph.user/$count",
            nav("group", "members"),
            "/groups/{id}/members/microsoft.graph.user/$count",
        ),
        (
            "https://graph.microsoft.com/v1.0/places/microsoft.graph.roomlist",
            EntitySet("places".into()),
            "/places/microsoft.graph.roomList",
        ),
        (
            "https://graph.microsoft.com/v1.0/places/bldg2@contoso.com/microsoft.graph.roomlist/rooms",
            nav("roomList", "rooms"),
            "/places/{id}/microsoft.graph.roomList/rooms",
        ),
        (
            "/directory/deletedItems/microsoft.graph.group",
            nav("directory", "deletedItems"),
            "/directory/deletedItems/microsoft.graph.group",
        ),
        (
            "/groups/{id}/members/graph.user",
            nav("group", "members"),
            "/groups/{id}/members/microsoft.graph.user",
        ),
        (
            "/deviceAppManagement/mobileApps/{mobileAppId}/contentVersions/{mobileAppContentId}",
            nav("mobileLobApp", "contentVersions"),
            "/deviceAppManagement/mobileApps/{id}/contentVersions/{id}",
        ),
        (
            "/deviceAppManagement/managedAppPolicies/{managedAppPolicyId}/assign",
            action("assign", "windowsInformationProtection"),
            "/deviceAppManagement/managedAppPolicies/{id}/assign",
        ),
        // bound functions, with parameters and aliases
        (
            "https://graph.microsoft.com/v1.0/reports/getEmailActivityCounts(period='D7')",
            function("getEmailActivityCounts", "reportRoot"),
            "/reports/getEmailActivityCounts(period)",
        ),
        (
            "/reports/microsoft.graph.getEmailActivityCounts(period=@p)?@p='D7'",
            function("getEmailActivityCounts", "reportRoot"),
            "/reports/microsoft.graph.getEmailActivityCounts(period)",
        ),
        (
            "https://graph.microsoft.com/v1.0/me/reminderView(startDateTime='2017-06-05T10:00:00.0000000',endDateTime='2017-06-11T11:00:00.0000000')",
            function("reminderView", "user"),
            "/me/reminderView(EndDateTime,StartDateTime)",
        ),
        (
            "https://graph.microsoft.com/v1.0/identityGovernance/accessReviews/definitions/filterByCurrentUser(on='reviewer')",
            function("filterByCurrentUser", "[accessReviewScheduleDefinition]"),
            "/identityGovernance/accessReviews/definitions/filterByCurrentUser(on)",
        ),
        (
            "/me/drive/items/{id}/workbook/worksheets/{sheet-id}/range(address='$A$1')/format/fill",
            nav("workbookRangeFormat", "fill"),
            "/me/drive/items/{id}/workbook/worksheets/{id}/range(address)/format/fill",
        ),
        (
            "/me/drive/items/{id}/workbook/worksheets/{id|name}/range(address='A1:B2')",
            function("range", "workbookWorksheet"),
            "/me/drive/items/{id}/workbook/worksheets/{id}/range(address)",
        ),
        // delta
        (
            "https://graph.microsoft.com/v1.0/users/delta?$select=displayName",
            function("delta", "[user]"),
            "/users/delta",
        ),
        (
            "/teams/{team-id}/channels/{channel-id}/messages/delta",
            function("delta", "[chatMessage]"),
            "/teams/{id}/channels/{id}/messages/delta",
        ),
        (
            "https://graph.microsoft.com/v1.0/me/drive/root/delta(token='1230919asd190410jlka')",
            function("delta", "driveItem"),
            "/me/drive/root/delta(token)",
        ),
        (
            "/me/drive/root/delta()",
            function("delta", "driveItem"),
            "/me/drive/root/delta()",
        ),
        // $count, $value, $ref
        (
            "https://graph.microsoft.com/v1.0/applications/$count",
            EntitySet("applications".into()),
            "/applications/$count",
        ),
        (
            "https://graph.microsoft.com/v1.0/devices/{id}/memberOf/microsoft.graph.group/$count",
            nav("device", "memberOf"),
            "/devices/{id}/memberOf/microsoft.graph.group/$count",
        ),
        (
            "https://graph.microsoft.com/v1.0/me/messages/4aade2547798441eab5188a7a2436bc1/$value",
            nav("user", "messages"),
            "/me/messages/{id}/$value",
        ),
        ("/me/photo/$value", nav("user", "photo"), "/me/photo/$value"),
        (
            "/groups/{id}/members/$ref",
            nav("group", "members"),
            "/groups/{id}/members/$ref",
        ),
        (
            "DELETE https://graph.microsoft.com/v1.0/groups/{id}/acceptedSenders/$ref?$id=https://graph.microsoft.com/v1.0/users/{user-id}",
            nav("group", "acceptedSenders"),
            "/groups/{id}/acceptedSenders/$ref",
        ),
        (
            "/groups/{group-id}/members/{directory-object-id}/$ref",
            nav("group", "members"),
            "/groups/{id}/members/{id}/$ref",
        ),
        // bound actions: on the type, a base type, a collection; qualified
        ("/me/sendMail", action("sendMail", "user"), "/me/sendMail"),
        (
            "/me/messages/{id}/move",
            action("move", "message"),
            "/me/messages/{id}/move",
        ),
        (
            "/users/{id}/messages/{id}/microsoft.graph.move",
            action("move", "message"),
            "/users/{id}/messages/{id}/microsoft.graph.move",
        ),
        (
            "/contacts/{id}/checkMemberGroups",
            action("checkMemberGroups", "directoryObject"),
            "/contacts/{id}/checkMemberGroups",
        ),
        (
            "/directoryObjects/getByIds",
            action("getByIds", "[directoryObject]"),
            "/directoryObjects/getByIds",
        ),
        // OneDrive and SharePoint path addressing, stream properties
        (
            "/me/drive/root:/{item-path}:/content",
            nav("drive", "root"),
            "/me/drive/root:{path}:/content",
        ),
        (
            "/me/drive/root:/{item-path}",
            nav("drive", "root"),
            "/me/drive/root:{path}:",
        ),
        (
            "/drives/{drive-id}/root:/{path-relative-to-root}:/children",
            nav("driveItem", "children"),
            "/drives/{id}/root:{path}:/children",
        ),
        (
            "PUT /me/drive/items/{parent-id}:/{filename}:/content",
            nav("drive", "items"),
            "/me/drive/items/{id}:{path}:/content",
        ),
        (
            "/drive/root:/{path and filename}:/content?format={format}",
            nav("drive", "root"),
            "/drive/root:{path}:/content",
        ),
        (
            "/me/drive/root:/Documents/My%20File.txt:/workbook/worksheets",
            nav("workbook", "worksheets"),
            "/me/drive/root:{path}:/workbook/worksheets",
        ),
        (
            "/sites/{hostname}:/{server-relative-path}",
            EntitySet("sites".into()),
            "/sites/{id}:{path}:",
        ),
        (
            "/me/onenote/pages/{id}/content",
            nav("onenote", "pages"),
            "/me/onenote/pages/{id}/content",
        ),
        // structural properties
        (
            "/me/mailboxSettings/automaticRepliesSetting",
            Singleton("me".into()),
            "/me/mailboxSettings/automaticRepliesSetting",
        ),
        (
            "/users/{id}/mailboxSettings",
            EntitySet("users".into()),
            "/users/{id}/mailboxSettings",
        ),
        // a dynamic property of an open type
        (
            "/me/drive/items/{item-id}/thumbnails/{thumb-id}/{size}",
            nav("driveItem", "thumbnails"),
            "/me/drive/items/{id}/thumbnails/{id}/{id}",
        ),
    ];
    assert!(table.len() >= 40, "{} rows", table.len());
    let mut failures = Vec::new();
    for (url, target, template) in &table {
        let url = url
            .split_once(' ')
            .filter(|(m, _)| m.chars().all(|c| c.is_ascii_uppercase()))
            .map_or(*url, |(_, u)| u);
        match meta.resolve_path(url) {
            Resolution::Declared(route) => {
                if &route.target != target || route.template != *template {
                    failures.push(format!(
                        "{url}\n    want {target} {template}\n    got  {} {}",
                        route.target, route.template
                    ));
                }
                assert_eq!(route.through.last(), Some(&route.target), "{url}");
            }
            other => failures.push(format!(
                "{url}\n    want {target} {template}\n    got  {other:?}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

/// What the real metadata does not declare: open types (Graph's `user`
/// is one) do not make every name declared.
#[test]
fn the_v1_metadata_does_not_declare_everything() {
    let meta = real();
    // (url, index of the undeclared segment)
    let table = [
        ("/me/anything", 1),
        ("/groups/{id}/members/{id}/anything", 4),
        ("/me/messages/{id}/microsoft.graph.nothing", 3),
        ("/me/messages/microsoft.graph.nothing", 2),
        ("/me/drive/root:/a.txt:/nothing", 3),
        ("/nothing/{id}", 0),
        ("/me/sendMail/x", 2),
    ];
    for (url, index) in table {
        match meta.resolve_path(url) {
            Resolution::NotDeclared(n) => assert_eq!(n.index, index, "{url}: {}", n.message),
            other => panic!("{url}: {other:?}"),
        }
    }
}

/// `through` lists every declaration, in order.
#[test]
fn through_lists_every_declaration() {
    let meta = real();
    let Resolution::Declared(route) =
        meta.resolve_path("/me/mailFolders/{id}/messages/{id}/microsoft.graph.move")
    else {
        panic!("declared")
    };
    assert_eq!(
        route.through,
        vec![
            Singleton("me".into()),
            nav("user", "mailFolders"),
            nav("mailFolder", "messages"),
            action("move", "message"),
        ]
    );
    assert_eq!(
        route.target.to_string(),
        "action microsoft.graph.move on microsoft.graph.message"
    );
    assert_eq!(route.target.kind(), "action");
}

/// Every example of the corpus that does not resolve against the v1.0
/// metadata, looked at one by one: (page id prefix, why that is right).
const EXPLAINED: &[(&str, &str)] = &[
    (
        "intune-cirrus-",
        "beta-only: the examples call /beta/officeConfiguration, which v1.0 does not declare",
    ),
    (
        "intune-tem-telecomexpensemanagementpartner-",
        "deviceManagement/telecomExpenseManagementPartners is not in the v1.0 metadata",
    ),
    (
        "userflowlanguageconfiguration-list-defaultpages",
        "identity/b2cUserFlows is beta-only (the v1.0 page's example says b2cUserFlows)",
    ),
    (
        "driveitem-createuploadsession",
        "the upload URL is on another host (sn3302.up.1drv.com): not a path of the service",
    ),
    (
        "driveitem-get-content",
        "the download URL is on another host (*.files.1drv.com): not a path of the service",
    ),
    (
        "workforceintegration-",
        "the partner's callback URL (abcWorkforceIntegration.com): not a path of the service",
    ),
    (
        "icon-",
        "docs wrong: sort/fields is a collection of complex values, `/fields/icon` addresses none",
    ),
    (
        "workbook-post-tables",
        "docs wrong: `add` is bound to the tables collection, the example puts a key before it",
    ),
    (
        "worksheet-post-tables",
        "docs wrong: `add` is bound to the tables collection, the example puts a key before it",
    ),
    (
        "workbookrangeview-itemat",
        "docs wrong: itemAt is bound to a collection of range views (visibleView/rows/itemAt)",
    ),
    (
        "educationclass-post-category",
        "`.../assignmentCategories/$entity` is no OData resource path: judged as today",
    ),
    (
        "workbook-createsession",
        "docs wrong: createSession is bound to the workbook, example 2 calls it on worksheets({id}) (read since #17: an unannotated request before an annotated response)",
    ),
];

/// The share of the corpus's request URLs that resolve (measured 98.28 %,
/// 2,235 of 2,274), and the agreement of `path_template` with the routes
/// (measured 97.90 %; 98.34 % ignoring case).
const MIN_RESOLVED_PERCENT: f64 = 98.0;
const MIN_AGREEMENT_PERCENT: f64 = 97.5;

#[test]
fn the_v1_corpus_resolves() {
    let dir = support::corpus();
    let meta = real();
    let corpus = read_paths(&[dir.as_path()]);
    let mut declared = 0;
    let mut agree = 0;
    let mut agree_folded = 0;
    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut disagree: Vec<(String, String, String)> = Vec::new();
    let mut unexplained = Vec::new();
    let mut used = vec![0usize; EXPLAINED.len()];
    for case in &corpus.cases {
        let url = &case.request.url;
        let reason = match meta.resolve_path(url) {
            Resolution::Declared(route) => {
                declared += 1;
                let t = path_template(url);
                if t.eq_ignore_ascii_case(&route.template) {
                    agree_folded += 1;
                }
                if t == route.template {
                    agree += 1;
                } else {
                    disagree.push((url.clone(), route.template, t));
                }
                continue;
            }
            Resolution::NotDeclared(n) => format!("not declared: {}", n.message),
            Resolution::Unresolvable(r) => format!("unresolvable: {r}"),
        };
        let at = format!("{}:{} {url}", case.page_id, case.line());
        match EXPLAINED
            .iter()
            .position(|(prefix, _)| case.page_id.starts_with(prefix))
        {
            Some(i) => used[i] += 1,
            None => unexplained.push(format!("{at}\n    {reason}")),
        }
        reasons.entry(reason).or_default().push(at);
    }
    let total = corpus.cases.len();
    let share = declared as f64 * 100.0 / total as f64;
    let agreement = agree as f64 * 100.0 / declared.max(1) as f64;
    eprintln!(
        "{declared} of {total} request URLs resolve ({share:.2} %); \
         path_template agrees on {agree} of {declared} ({agreement:.2} %), \
         ignoring case on {agree_folded} ({:.2} %)",
        agree_folded as f64 * 100.0 / declared.max(1) as f64
    );
    let mut grouped: Vec<_> = reasons.iter().collect();
    grouped.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let all = std::env::var_os("RESOLVE_SHOW_ALL").is_some();
    for (reason, urls) in grouped.iter().take(if all { usize::MAX } else { 30 }) {
        eprintln!("{:5} × {reason}", urls.len());
        for u in urls.iter().take(if all { usize::MAX } else { 1 }) {
            eprintln!("        e.g. {u}");
        }
    }
    for ((prefix, why), n) in EXPLAINED.iter().zip(&used) {
        eprintln!("{n:5} × {prefix}*: {why}");
    }
    if std::env::var_os("RESOLVE_SHOW_DISAGREE").is_some() {
        for (url, route, t) in &disagree {
            eprintln!("disagree: {url}\n   route {route}\n   text  {t}");
        }
    }
    assert!(total > 2000, "cases read: {total}");
    assert!(
        unexplained.is_empty(),
        "{} example(s) do not resolve and are not explained in EXPLAINED:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    let stale: Vec<&str> = EXPLAINED
        .iter()
        .zip(&used)
        .filter(|(_, n)| **n == 0)
        .map(|((p, _), _)| *p)
        .collect();
    assert!(stale.is_empty(), "explanations no example needs: {stale:?}");
    assert!(
        share >= MIN_RESOLVED_PERCENT,
        "{share:.2} % of the corpus resolves, expected at least {MIN_RESOLVED_PERCENT} %"
    );
    assert!(
        agreement >= MIN_AGREEMENT_PERCENT,
        "path_template agrees with the routes on {agreement:.2} %, expected at least \
         {MIN_AGREEMENT_PERCENT} % (RESOLVE_SHOW_DISAGREE=1 lists them)"
    );
}

// ------------------------------------------------------- a small service

/// A service that declares `me` and `users`, with `messages` (and, for the
/// messages about casts and actions, an action on messages and a type
/// nothing reaches).
const SMALL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="test" Alias="t" xmlns="http://docs.oasis-open.org/odata/ns/edm">
  <EntityType Name="entity" Abstract="true">
    <Key><PropertyRef Name="id"/></Key>
    <Property Name="id" Type="Edm.String" Nullable="false"/>
  </EntityType>
  <EntityType Name="user" BaseType="test.entity">
    <Property Name="displayName" Type="Edm.String"/>
    <NavigationProperty Name="messages" Type="Collection(test.message)" ContainsTarget="true"/>
  </EntityType>
  <EntityType Name="admin" BaseType="test.user">
    <NavigationProperty Name="reports" Type="Collection(test.user)"/>
  </EntityType>
  <EntityType Name="message" BaseType="test.entity">
    <Property Name="subject" Type="Edm.String"/>
  </EntityType>
  <EntityType Name="event" BaseType="test.entity">
    <NavigationProperty Name="attendees" Type="Collection(test.user)"/>
  </EntityType>
  <Action Name="send" IsBound="true">
    <Parameter Name="bindingParameter" Type="test.message"/>
  </Action>
  <EntityContainer Name="svc">
    <EntitySet Name="users" EntityType="test.user"/>
    <Singleton Name="me" Type="test.user"/>
  </EntityContainer>
</Schema>
</edmx:DataServices></edmx:Edmx>"#;

fn small() -> Metadata {
    Metadata::parse(SMALL).unwrap_or_else(|e| panic!("the small service's metadata: {e}"))
}

fn t(name: &str) -> String {
    format!("test.{name}")
}

#[test]
fn undeclared_segments_are_told_with_their_place() {
    let meta = small();
    // (url, index, segment, message)
    let table = [
        (
            "https://graph.microsoft.com/v1.0/groups",
            0,
            "groups",
            r#"no entity set or singleton "groups""#,
        ),
        (
            "https://graph.microsoft.com/v1.0/me/events",
            1,
            "events",
            r#""events" is not a navigation property of test.user (the type of singleton me)"#,
        ),
        (
            "/users/{id}/events",
            2,
            "events",
            r#""events" is not a navigation property of test.user (the type of entity set users)"#,
        ),
        (
            "/me/messages/{id}/attachments",
            3,
            "attachments",
            r#""attachments" is not a navigation property of test.message (the type of navigation test.user/messages)"#,
        ),
        (
            "/me/AAMkAGI2TG93AAA=",
            1,
            "AAMkAGI2TG93AAA=",
            r#""AAMkAGI2TG93AAA=" reads as a key, but test.user (the type of singleton me) is one entity, not a collection"#,
        ),
        (
            "/me('x')",
            0,
            "me('x')",
            "singleton me is one entity: it takes no key",
        ),
        ("/me/messages/$count/x", 3, "x", "nothing can follow $count"),
        (
            "/me/$count",
            1,
            "$count",
            "$count follows a collection, but test.user (the type of singleton me) is not one",
        ),
        (
            "/users/$value",
            1,
            "$value",
            "$value follows one value, but a collection of test.user (the type of entity set users) is a collection",
        ),
        (
            "/me/messages/{id}/send/x",
            4,
            "x",
            "nothing can follow action test.send on test.message",
        ),
        (
            "/me/messages/test.event",
            2,
            "test.event",
            "cast to test.event, which is not test.message (the type of navigation test.user/messages) or a type derived from it",
        ),
        (
            "/me/displayName/x",
            2,
            "x",
            r#""x" follows Edm.String (the type of property test.user/displayName), a value with no members"#,
        ),
        (
            "/me/test.foo",
            1,
            "test.foo",
            r#""test.foo" is neither a type derived from test.user (the type of singleton me) nor an operation bound to it"#,
        ),
        (
            "/users/delta()",
            1,
            "delta()",
            r#""delta" is not a function bound to a collection of test.user (the type of entity set users)"#,
        ),
        (
            "/me/messages('a')/subject/$count",
            3,
            "$count",
            "$count follows a collection, but Edm.String (the type of property test.message/subject) is not one",
        ),
        (
            "/me/messages/{id}/send/$value",
            4,
            "$value",
            "nothing can follow action test.send on test.message",
        ),
        (
            "/me/displayName/$ref",
            2,
            "$ref",
            "$ref follows entities, but Edm.String (the type of property test.user/displayName) is a value",
        ),
        (
            "/users()",
            0,
            "users()",
            r#""users()": empty parentheses are neither a key nor a function call"#,
        ),
        (
            "/me/send",
            1,
            "send",
            "\"send\" is an operation bound to test.message, not to test.user (the type of singleton me)",
        ),
        // on a collection, a name is a key unless the service says otherwise
        (
            "/me/messages/send",
            2,
            "send",
            "\"send\" is bound to one entity, not to a collection: a collection of test.message (the type of navigation test.user/messages) needs a key first",
        ),
        (
            "/me/messages/{id}/send/{id}",
            4,
            "{id}",
            "nothing can follow action test.send on test.message",
        ),
        (
            "/me/messages/t.nothing",
            2,
            "t.nothing",
            "\"t.nothing\" is neither a type derived from test.message (the type of navigation test.user/messages) nor an operation bound to a collection of it",
        ),
    ];
    for (url, index, segment, message) in table {
        match meta.resolve_path(url) {
            Resolution::NotDeclared(n) => {
                assert_eq!(
                    (n.index, n.segment.as_str(), n.message.as_str()),
                    (index, segment, message),
                    "{url}"
                );
            }
            other => panic!("{url}: {other:?}"),
        }
    }
}

#[test]
fn the_small_service_declares_its_paths() {
    let meta = small();
    // (url, target, template)
    let table = [
        (
            "/ME/MESSAGES",
            Navigation(t("user"), "messages".into()),
            "/me/messages",
        ),
        (
            "/users('a')/messages('b')/subject/$value",
            Navigation(t("user"), "messages".into()),
            "/users/{id}/messages/{id}/subject/$value",
        ),
        (
            "/me/messages/{id}/send",
            Action(t("send"), t("message")),
            "/me/messages/{id}/send",
        ),
        (
            "/me/messages/{id}/t.send",
            Action(t("send"), t("message")),
            "/me/messages/{id}/test.send",
        ),
        (
            "/me/messages/t.message/$count",
            Navigation(t("user"), "messages".into()),
            "/me/messages/test.message/$count",
        ),
        // key-as-segment: a name the service declares nothing by is a key
        (
            "/me/messages/unread",
            Navigation(t("user"), "messages".into()),
            "/me/messages/{id}",
        ),
        // implicit cast: `reports` is declared on test.admin, derived from
        // test.user
        (
            "/users/{id}/reports/{id}/messages",
            Navigation(t("user"), "messages".into()),
            "/users/{id}/reports/{id}/messages",
        ),
        (
            "/me/reports",
            Navigation(t("admin"), "reports".into()),
            "/me/reports",
        ),
        (
            "/me/test.admin/reports/$ref",
            Navigation(t("admin"), "reports".into()),
            "/me/test.admin/reports/$ref",
        ),
    ];
    for (url, target, template) in table {
        match meta.resolve_path(url) {
            Resolution::Declared(route) => {
                assert_eq!(
                    (&route.target, route.template.as_str()),
                    (&target, template),
                    "{url}"
                );
            }
            other => panic!("{url}: {other:?}"),
        }
    }
}

#[test]
fn unreadable_paths_say_why() {
    let meta = small();
    let long = "/me".to_string() + &"/messages".repeat(64);
    // (url, a part of the reason)
    let table = [
        ("/$batch", "$batch is not a resource path"),
        (
            "https://graph.microsoft.com/v1.0/$metadata",
            "$metadata is not a resource path",
        ),
        ("/me/messages('x", "a quoted string is not closed"),
        ("/me/messages(x", "a `(` is not closed"),
        ("/me/messages('x')')", "a `)` closes no `(`"),
        ("/me/{id", "a `{` is not closed"),
        ("/me/messages('a')x", "text after the closing `)`"),
        (long.as_str(), "more than 64 segments"),
        (
            "https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337",
            "on sn3302.up.1drv.com without a version segment",
        ),
        (
            "/me/messages/$each",
            "$each is not a path segment this resolver reads",
        ),
        ("", "no path"),
        ("https://graph.microsoft.com/v1.0", "no path"),
    ];
    for (url, part) in table {
        match meta.resolve_path(url) {
            Resolution::Unresolvable(reason) => assert!(reason.contains(part), "{url}: {reason}"),
            other => panic!("{url}: {other:?}"),
        }
    }
}

const IMPORTS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="test" xmlns="http://docs.oasis-open.org/odata/ns/edm">
  <EntityType Name="message"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.String"/></EntityType>
  <Action Name="resetAll"/>
  <Function Name="stats"><Parameter Name="Period" Type="Edm.String"/><ReturnType Type="Collection(test.message)"/></Function>
  <EntityContainer Name="svc">
    <ActionImport Name="resetAll" Action="test.resetAll"/>
    <FunctionImport Name="stats" Function="test.stats"/>
  </EntityContainer>
</Schema>
</edmx:DataServices></edmx:Edmx>"#;

#[test]
fn unbound_imports_resolve() {
    let meta = Metadata::parse(IMPORTS).unwrap_or_else(|e| panic!("{e}"));
    let declared = |url: &str| match meta.resolve_path(url) {
        Resolution::Declared(r) => (r.target, r.template),
        other => panic!("{url}: {other:?}"),
    };
    assert_eq!(
        declared("/v1.0/resetAll"),
        (
            Declaration::ActionImport("resetAll".into()),
            "/resetAll".into()
        )
    );
    assert_eq!(
        declared("/stats(period='D7')/$count"),
        (
            Declaration::FunctionImport("stats".into()),
            "/stats(Period)/$count".into()
        )
    );
    assert_eq!(
        declared("/stats(period='D7')/{id}"),
        (
            Declaration::FunctionImport("stats".into()),
            "/stats(Period)/{id}".into()
        )
    );
    for (url, message) in [
        ("/resetAll/x", "nothing can follow action import resetAll"),
        (
            "/nothing",
            r#"no entity set, operation import or singleton "nothing""#,
        ),
    ] {
        match meta.resolve_path(url) {
            Resolution::NotDeclared(n) => assert_eq!(n.message, message, "{url}"),
            other => panic!("{url}: {other:?}"),
        }
    }
    assert_eq!(
        meta.inventory(),
        vec![
            Declaration::ActionImport("resetAll".into()),
            Declaration::FunctionImport("stats".into()),
        ]
    );
}

#[test]
fn the_inventory_lists_what_is_reachable() {
    assert_eq!(
        small().inventory(),
        vec![
            EntitySet("users".into()),
            Singleton("me".into()),
            // test.admin is reachable by a cast from test.user; test.event
            // (and its attendees) from nothing
            Navigation(t("admin"), "reports".into()),
            Navigation(t("user"), "messages".into()),
            Action(t("send"), t("message")),
        ]
    );
    let kinds: Vec<&str> = small().inventory().iter().map(Declaration::kind).collect();
    assert_eq!(
        kinds,
        [
            "entity-set",
            "singleton",
            "navigation",
            "navigation",
            "action"
        ]
    );
}

/// The real inventory against a census of the document's text: one row
/// per entity set, singleton, and (name, binding type) of the bound
/// operations.
#[test]
fn the_v1_inventory_matches_a_census() {
    let meta = real();
    let inventory = meta.inventory();
    let mut sorted = inventory.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, inventory, "sorted, no duplicates");
    let xml = std::fs::read_to_string(metadata_path()).expect("the metadata reads");
    let attr = |line: &str, name: &str| -> Option<String> {
        let at = line.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(line[at..].split('"').next()?.to_string())
    };
    let (mut sets, mut singletons) = (0, 0);
    let mut ops = std::collections::BTreeSet::new();
    let mut namespace = String::new();
    let mut aliases = BTreeMap::new();
    let mut open: Option<(String, String)> = None;
    for line in xml.lines().map(str::trim) {
        if line.starts_with("<Schema ") {
            namespace = attr(line, "Namespace").unwrap_or_default();
            if let Some(a) = attr(line, "Alias") {
                aliases.insert(a, namespace.clone());
            }
        } else if line.starts_with("<EntitySet ") {
            sets += 1;
        } else if line.starts_with("<Singleton ") {
            singletons += 1;
        } else if (line.starts_with("<Action ") || line.starts_with("<Function "))
            && line.contains("IsBound=\"true\"")
        {
            let kind = if line.starts_with("<Action ") {
                "action"
            } else {
                "function"
            };
            open = Some((
                kind.into(),
                format!("{namespace}.{}", attr(line, "Name").unwrap_or_default()),
            ));
        } else if line.starts_with("<Parameter ")
            && let Some((kind, name)) = open.take()
        {
            ops.insert((kind, name, attr(line, "Type").unwrap_or_default()));
        }
    }
    // The same binding type may be written by namespace or by alias.
    let canonical = |t: &str| {
        let (inner, coll) = match t
            .strip_prefix("Collection(")
            .and_then(|t| t.strip_suffix(')'))
        {
            Some(i) => (i, true),
            None => (t, false),
        };
        let (ns, name) = inner.rsplit_once('.').unwrap_or(("", inner));
        let ns = aliases.get(ns).map_or(ns, String::as_str);
        let q = format!("{ns}.{name}");
        if coll { format!("Collection({q})") } else { q }
    };
    let ops: std::collections::BTreeSet<_> = ops
        .into_iter()
        .map(|(k, n, t)| (k, n, canonical(&t)))
        .collect();
    let count = |kind: &str| inventory.iter().filter(|d| d.kind() == kind).count();
    assert_eq!(count("entity-set"), sets, "entity sets");
    assert_eq!(count("singleton"), singletons, "singletons");
    assert_eq!(
        count("action") + count("function"),
        ops.len(),
        "bound operations"
    );
    for (kind, name, binding) in &ops {
        let d = if kind == "action" {
            Action(name.clone(), binding.clone())
        } else {
            Function(name.clone(), binding.clone())
        };
        assert!(inventory.binary_search(&d).is_ok(), "{d} is missing");
    }
    let navs = count("navigation");
    eprintln!(
        "inventory: {sets} entity sets, {singletons} singletons, {navs} navigation properties, {} bound operations",
        ops.len()
    );
    for d in [
        nav("user", "messages"),
        nav("mailFolder", "childFolders"),
        nav("driveItem", "children"),
    ] {
        assert!(inventory.binary_search(&d).is_ok(), "{d} is missing");
    }
}

/// Documents the container or the operations make invalid are refused,
/// with the place.
#[test]
fn invalid_containers_and_operations_are_refused() {
    let doc = |body: &str| {
        format!(
            r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="test" xmlns="http://docs.oasis-open.org/odata/ns/edm">
<EntityType Name="user"><Property Name="id" Type="Edm.String"/></EntityType>
<ComplexType Name="address"><Property Name="city" Type="Edm.String"/></ComplexType>
{body}
</Schema></edmx:DataServices></edmx:Edmx>"#
        )
    };
    // (body, a part of the message)
    let table = [
        (
            r#"<EntityContainer Name="c"><EntitySet Name="users" EntityType="test.user"/><Singleton Name="users" Type="test.user"/></EntityContainer>"#,
            "line 5, column 75: entity container: users is declared twice",
        ),
        (
            r#"<EntityContainer Name="c"><EntitySet Name="users" EntityType="test.person"/></EntityContainer>"#,
            "entity set users: entity type test.person is not declared",
        ),
        (
            r#"<EntityContainer Name="c"><Singleton Name="home" Type="test.address"/></EntityContainer>"#,
            "singleton home: test.address is not an entity type",
        ),
        (
            r#"<EntityContainer Name="c"><EntitySet Name="my users" EntityType="test.user"/></EntityContainer>"#,
            r#"<EntitySet> Name "my users" is not a CSDL identifier"#,
        ),
        (
            r#"<EntityContainer Name="c"><ActionImport Name="go" Action="test.go"/></EntityContainer>"#,
            "action import go: no unbound test.go is declared",
        ),
        (
            r#"<EntityContainer Name="c"><EntitySet Name="users"/></EntityContainer>"#,
            "<EntitySet> without a EntityType attribute",
        ),
        (
            r#"<Action Name="go" IsBound="true"/>"#,
            r#"action test.go is bound (IsBound="true") but has no binding parameter"#,
        ),
        (
            r#"<Action Name="go" IsBound="true"><Parameter Name="b" Type="test.nobody"/></Action>"#,
            "action test.go: type test.nobody is not declared",
        ),
        (
            r#"<Function Name="f"><ReturnType Type="Collection(test.nobody)"/></Function>"#,
            "function test.f: type test.nobody is not declared",
        ),
        (
            r#"<Function Name="f(x)"><ReturnType Type="Edm.String"/></Function>"#,
            "is not a CSDL identifier",
        ),
        (
            r#"<Function Name="f"><Parameter Name="p"/></Function>"#,
            "<Parameter> without a Type attribute",
        ),
    ];
    for (body, part) in table {
        match Metadata::parse(&doc(body)) {
            Ok(_) => panic!("{body}: accepted"),
            Err(e) => assert!(e.to_string().contains(part), "{body}: {e}"),
        }
    }
    // A type of a referenced document's namespace is unknown, not an
    // error: anything may follow it.
    let referenced = doc(r#"<EntityContainer Name="c"><EntitySet Name="things" EntityType="other.thing"/></EntityContainer>"#)
        .replace(
            "<edmx:DataServices>",
            r#"<edmx:Reference Uri="x.xml"><edmx:Include Namespace="other"/></edmx:Reference><edmx:DataServices>"#,
        );
    let meta = Metadata::parse(&referenced).unwrap_or_else(|e| panic!("{e}"));
    match meta.resolve_path("/things/{id}/anything/AAMkAGI2TG93AAA=") {
        Resolution::Declared(r) => assert_eq!(r.template, "/things/{id}/anything/{id}"),
        other => panic!("{other:?}"),
    }
}

/// No input makes the resolver panic or take long: pseudo-random paths
/// over the characters its reader cares about.
#[test]
fn hostile_paths_never_panic() {
    let meta = small();
    let alphabet: Vec<char> = "/()'{}:$.@=,%?#<>x1 éß\u{1F600}me".chars().collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 40) as usize;
        let url: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let url = format!("/me/{url}");
        let _ = meta.resolve_path(&url);
        let _ = path_template(&url);
        let _ = graph_contract::csdl::area(&url);
    }
    // Long inputs stay linear: a long segment, deep parentheses, many
    // segments.
    for url in [
        format!("/users/{}", "a".repeat(1 << 20)),
        format!("/users{}", "(".repeat(1 << 16)),
        format!("/users/f({})", "'a',".repeat(1 << 16)),
        "/me".repeat(1 << 16),
        format!("/me/drive/root:{}", "/a".repeat(1 << 16)),
        "%FF%FE/%C3".into(),
    ] {
        let _ = meta.resolve_path(&url);
        let _ = path_template(&url);
    }
}

#[test]
fn resolutions_are_send_and_sync() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug + PartialEq>() {}
    check::<Resolution>();
    check::<Declaration>();
    fn shared<T: Send + Sync>() {}
    shared::<Metadata>();
    check::<graph_contract::csdl::Route>();
    check::<graph_contract::csdl::NotDeclared>();
}
