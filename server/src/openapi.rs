//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the API, generated
//! from [`ROUTES`], the table of every route with its method, summary, who
//! may call it, and its request and response types. A test starts the
//! router and checks that every route in the table is served, so the table
//! cannot drift from the router.

use axum::Json;
use serde_json::{json, Map, Value};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (no session).
    Public,
    /// Any signed-in user (or local mode).
    Reader,
    /// Analysts and admins.
    Writer,
}

/// One route of the API.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path template.
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Request body type (a `shared::api` type name), if any.
    pub request: Option<&'static str>,
    /// Success status and response type.
    pub response: (u16, &'static str),
    /// Error codes it may answer with (problem+json `code`).
    pub errors: &'static [&'static str],
}

const fn route(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
    request: Option<&'static str>,
    response: (u16, &'static str),
    errors: &'static [&'static str],
) -> RouteDoc {
    RouteDoc {
        method,
        path,
        summary,
        access,
        request,
        response,
        errors,
    }
}

use Access::{Public, Reader, Writer};

/// Every route the server answers, besides the app's static files.
pub const ROUTES: &[RouteDoc] = &[
    route(
        "get",
        "/healthz",
        "Liveness probe",
        Public,
        None,
        (200, "Health"),
        &[],
    ),
    route(
        "get",
        "/readyz",
        "Readiness: store reachable, migrations applied",
        Public,
        None,
        (200, "Readiness"),
        &[],
    ),
    route(
        "get",
        "/metrics",
        "Prometheus metrics (text format)",
        Public,
        None,
        (200, "text"),
        &[],
    ),
    route(
        "get",
        "/api/openapi.json",
        "This document",
        Public,
        None,
        (200, "OpenAPI"),
        &[],
    ),
    route(
        "get",
        "/api/me",
        "The user the request acts for",
        Reader,
        None,
        (200, "Me"),
        &["unauthenticated", "token_expired"],
    ),
    route(
        "post",
        "/api/auth/login",
        "Sign in: a token pair",
        Public,
        Some("LoginRequest"),
        (200, "TokenPair"),
        &["bad_credentials", "rate_limited", "malformed_body"],
    ),
    route(
        "post",
        "/api/auth/refresh",
        "Rotate the refresh token: a new pair",
        Public,
        Some("RefreshRequest"),
        (200, "TokenPair"),
        &["invalid_refresh_token", "refresh_token_reused"],
    ),
    route(
        "post",
        "/api/auth/logout",
        "Revoke the refresh token's family",
        Public,
        Some("RefreshRequest"),
        (204, "empty"),
        &[],
    ),
    route(
        "get",
        "/api/compliance/rules",
        "The compliance rules in force, with version and hash",
        Reader,
        None,
        (200, "RulesDocument"),
        &["unauthenticated"],
    ),
    route(
        "post",
        "/api/compliance/check",
        "The verdict for a data request (audited)",
        Reader,
        Some("DataRequest"),
        (200, "Verdict"),
        &["unauthenticated", "malformed_body"],
    ),
    route(
        "post",
        "/api/chat",
        "Ask the coach: the answer streams as server-sent events (ChatEvent frames)",
        Writer,
        Some("ChatRequest"),
        (200, "text/event-stream"),
        &[
            "invalid_message",
            "not_found",
            "token_budget_spent",
            "rate_limited",
            "forbidden",
        ],
    ),
    route(
        "get",
        "/api/chat/status",
        "The coach in use and today's token use",
        Reader,
        None,
        (200, "CoachStatus"),
        &["unauthenticated"],
    ),
    route(
        "get",
        "/api/goal",
        "Current goal and history",
        Reader,
        None,
        (200, "GoalState"),
        &["unauthenticated"],
    ),
    route(
        "put",
        "/api/goal",
        "Set the current goal (checked against the rules)",
        Writer,
        Some("GoalRequest"),
        (201, "Goal"),
        &["compliance_refused", "forbidden"],
    ),
    route(
        "get",
        "/api/data",
        "One series from an approved source, with provenance",
        Reader,
        None,
        (200, "DataResponse"),
        &[
            "compliance_refused",
            "source_not_configured",
            "rate_limited",
            "upstream_unavailable",
            "upstream_circuit_open",
        ],
    ),
    route(
        "get",
        "/api/data/bundled",
        "The bundled datasets with provenance",
        Reader,
        None,
        (200, "DatasetSummary[]"),
        &["unauthenticated"],
    ),
    route(
        "get",
        "/api/uploads",
        "The user's uploads",
        Reader,
        None,
        (200, "UploadSummary[]"),
        &["unauthenticated"],
    ),
    route(
        "post",
        "/api/uploads",
        "Upload a CSV (query: name, symbol, column)",
        Writer,
        Some("text/csv"),
        (201, "UploadSummary"),
        &["invalid_csv", "body_too_large", "forbidden"],
    ),
    route(
        "get",
        "/api/results",
        "The user's recorded results",
        Reader,
        None,
        (200, "StoredResult[]"),
        &["unauthenticated"],
    ),
    route(
        "post",
        "/api/results",
        "Record a result (checked against the rules)",
        Writer,
        Some("ResultRecord"),
        (201, "StoredResult"),
        &["compliance_refused", "forbidden"],
    ),
    route(
        "get",
        "/api/leaderboard",
        "Lab results ranked per dataset, target and horizon by ?metric=, with buy-and-hold and insights",
        Reader,
        None,
        (200, "Leaderboard"),
        &["invalid_input"],
    ),
    route(
        "get",
        "/api/registry",
        "The user's registered model names",
        Reader,
        None,
        (200, "RegistryModel[]"),
        &["unauthenticated"],
    ),
    route(
        "post",
        "/api/registry",
        "Register a stored result as the next version of a named model",
        Writer,
        Some("RegisterRequest"),
        (201, "ModelVersion"),
        &["invalid_input", "not_found", "forbidden"],
    ),
    route(
        "post",
        "/api/registry/import",
        "Re-import an exported version (checked against the rules)",
        Writer,
        Some("VersionExport"),
        (201, "ModelVersion"),
        &["invalid_input", "compliance_refused", "forbidden"],
    ),
    route(
        "get",
        "/api/registry/{name}",
        "Every version of a model, oldest first",
        Reader,
        None,
        (200, "ModelVersion[]"),
        &["not_found"],
    ),
    route(
        "get",
        "/api/registry/{name}/compare",
        "Two versions (?a=&b=) side by side",
        Reader,
        None,
        (200, "Comparison"),
        &["not_found", "invalid_input"],
    ),
    route(
        "post",
        "/api/registry/{name}/activate",
        "Mark a version active (audited)",
        Writer,
        Some("ActivateRequest"),
        (200, "ModelVersion"),
        &["not_found", "forbidden"],
    ),
    route(
        "post",
        "/api/registry/{name}/rollback",
        "Roll back to an earlier version (audited registry.rollback)",
        Writer,
        Some("RollbackRequest"),
        (200, "ModelVersion"),
        &["not_found", "invalid_rollback", "forbidden"],
    ),
    route(
        "get",
        "/api/registry/{name}/{version}/export",
        "A version as JSON, for re-import",
        Reader,
        None,
        (200, "VersionExport"),
        &["not_found"],
    ),
    route(
        "post",
        "/api/registry/{name}/{version}/rerun",
        "Re-run a version natively and compare its metrics bit for bit",
        Writer,
        None,
        (200, "Reproduction"),
        &["not_found", "cannot_rerun", "compliance_refused", "rate_limited", "forbidden"],
    ),
    route(
        "post",
        "/api/trials",
        "Start a plan as a background trial (validated first)",
        Writer,
        Some("Plan"),
        (201, "TrialSummary"),
        &["invalid_plan", "forbidden", "rate_limited"],
    ),
    route(
        "get",
        "/api/trials",
        "The user's trials, newest first",
        Reader,
        None,
        (200, "TrialSummary[]"),
        &["unauthenticated"],
    ),
    route(
        "get",
        "/api/trials/{id}",
        "One trial: plan, steps and events after ?after=SEQ",
        Reader,
        None,
        (200, "TrialDetail"),
        &["not_found"],
    ),
    route(
        "post",
        "/api/trials/{id}/cancel",
        "Cancel a trial: no more steps start, running ones stop",
        Writer,
        None,
        (200, "TrialSummary"),
        &["not_found", "forbidden"],
    ),
    route(
        "post",
        "/api/trials/{id}/steps/{step}",
        "A browser running the trial reports a step: started, progress, done, failed",
        Writer,
        Some("StepReport"),
        (200, "LeaseAnswer"),
        &["not_found", "invalid_report", "trial_taken_over", "trial_finished", "step_conflict", "output_mismatch", "forbidden"],
    ),
    route(
        "post",
        "/api/trials/{id}/heartbeat",
        "A browser running the trial renews its lease",
        Writer,
        None,
        (200, "LeaseAnswer"),
        &["not_found", "trial_taken_over", "trial_finished", "forbidden"],
    ),
    route(
        "post",
        "/api/trials/{id}/resume",
        "The server takes a browser's trial over and runs its remaining steps",
        Writer,
        None,
        (200, "TrialSummary"),
        &["not_found", "not_in_browser", "forbidden"],
    ),
    route(
        "post",
        "/api/autonomous",
        "Start an autonomous run: goal, data, target, horizon and a hard budget",
        Writer,
        Some("AutonomousRequest"),
        (201, "AutonomousSummary"),
        &[
            "invalid_budget",
            "invalid_request",
            "compliance_refused",
            "forbidden",
            "rate_limited",
        ],
    ),
    route(
        "get",
        "/api/autonomous",
        "The user's autonomous runs, newest first",
        Reader,
        None,
        (200, "AutonomousSummary[]"),
        &["unauthenticated"],
    ),
    route(
        "get",
        "/api/autonomous/{id}",
        "One autonomous run: rounds with proposals, verdicts, trials, results and spend",
        Reader,
        None,
        (200, "AutonomousDetail"),
        &["not_found"],
    ),
    route(
        "post",
        "/api/autonomous/{id}/stop",
        "Stop an autonomous run: its running trial is cancelled",
        Writer,
        None,
        (200, "AutonomousSummary"),
        &["not_found", "forbidden"],
    ),
    route(
        "post",
        "/api/ws/ticket",
        "A single-use ticket (30 s) that opens one live-updates WebSocket",
        Reader,
        None,
        (200, "WsTicket"),
        &["unauthenticated", "rate_limited"],
    ),
    route(
        "get",
        "/api/ws",
        "Live trial events over a WebSocket (?ticket=; frames: ServerFrame, ClientFrame)",
        Public,
        None,
        (101, "websocket"),
        &[
            "ticket_missing",
            "ticket_invalid",
            "ticket_expired",
            "ticket_used",
            "origin_refused",
            "too_many_sockets",
            "websocket_required",
        ],
    ),
    route(
        "get",
        "/api/conversations",
        "The user's conversations, latest first",
        Reader,
        None,
        (200, "ConversationSummary[]"),
        &["unauthenticated"],
    ),
    route(
        "get",
        "/api/conversations/{id}",
        "One conversation with its messages and summaries",
        Reader,
        None,
        (200, "ConversationDetail"),
        &["not_found", "invalid_input"],
    ),
    route(
        "post",
        "/api/conversations/{id}/results",
        "Store the outcome of an action as a result message",
        Writer,
        Some("ResultMessageRequest"),
        (201, "ChatMessage"),
        &["invalid_field", "not_found", "forbidden"],
    ),
    route(
        "get",
        "/api/conversations/{id}/export",
        "Download a conversation (?format=json, or csv for text/csv)",
        Reader,
        None,
        (200, "ConversationDetail"),
        &["invalid_field", "not_found"],
    ),
    route(
        "get",
        "/api/memory/search",
        "Full-text search over the user's messages (?q=&topic=&conversation_id=&limit=)",
        Reader,
        None,
        (200, "SearchHit[]"),
        &["invalid_field", "invalid_input"],
    ),
    route(
        "post",
        "/api/memory/import",
        "Import a history and goals in the earlier mlTrainer format",
        Writer,
        Some("ImportRequest"),
        (201, "ImportReport"),
        &["invalid_import", "body_too_large", "forbidden"],
    ),
    route(
        "post",
        "/api/memory/prune",
        "Summarise, then remove old unimportant messages",
        Writer,
        Some("PruneRequest"),
        (200, "PruneReport"),
        &["invalid_field", "forbidden"],
    ),
    route(
        "get",
        "/api/audit",
        "Audit entries (admins: everyone's; others: their own)",
        Reader,
        None,
        (200, "AuditPage"),
        &["invalid_input", "forbidden"],
    ),
    route(
        "get",
        "/api/audit/verify",
        "Walk the audit hash chain",
        Reader,
        None,
        (200, "ChainReport"),
        &["unauthenticated"],
    ),
];

/// The document for [`ROUTES`].
pub fn build() -> Value {
    let mut paths = Map::new();
    for doc in ROUTES {
        let entry = paths
            .entry(doc.path.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        let mut responses = Map::new();
        responses.insert(
            doc.response.0.to_string(),
            json!({ "description": doc.response.1, "content": content(doc.response.1) }),
        );
        if !doc.errors.is_empty() {
            responses.insert(
                "default".to_string(),
                json!({
                    "description": format!("problem+json with code one of: {}", doc.errors.join(", ")),
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                }),
            );
        }
        let mut operation = json!({
            "summary": doc.summary,
            "operationId": format!("{}_{}", doc.method, doc.path.trim_start_matches('/').replace(['/', '.'], "_")),
            "responses": responses,
            "x-access": format!("{:?}", doc.access).to_lowercase(),
        });
        if doc.access != Public {
            operation["security"] = json!([{ "bearer": [] }]);
        }
        if let Some(request) = doc.request {
            operation["requestBody"] = json!({ "required": true, "content": content(request) });
        }
        if let Value::Object(methods) = entry {
            methods.insert(doc.method.to_string(), operation);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "mlTrainer server API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Types are those of the shared::api module (Rust), serialised with serde. In local mode no bearer token is needed."
        },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": { "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "code", "detail"],
                "properties": {
                    "type": { "type": "string" }, "title": { "type": "string" },
                    "status": { "type": "integer" }, "code": { "type": "string" },
                    "detail": { "type": "string" }, "verdict": { "type": "object" }
                }
            } }
        }
    })
}

fn content(type_name: &str) -> Value {
    match type_name {
        "empty" => json!({}),
        "text" => json!({ "text/plain": { "schema": { "type": "string" } } }),
        "text/csv" => json!({ "text/csv": { "schema": { "type": "string" } } }),
        "websocket" => json!({ "application/json": {
            "schema": { "type": "string", "x-rust-type": "shared::api::ServerFrame" }
        } }),
        "text/event-stream" => json!({ "text/event-stream": {
            "schema": { "type": "string", "x-rust-type": "shared::api::ChatEvent" }
        } }),
        name => {
            json!({ "application/json": { "schema": { "x-rust-type": format!("shared::api::{name}") } } })
        }
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(build())
}
