"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json."""

_ERROR = {"$ref": "#/components/responses/Error"}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PAGE = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
         {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]


def _ok(schema_ref: str, code: str = "200") -> dict:
    return {code: {"description": "OK", "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}},
        "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR, "409": _ERROR, "422": _ERROR}


def _body(schema_ref: str) -> dict:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Spiral API", "version": "1.0.0",
             "description": "Tasks and cycles of the diagnosis-and-improvement (诊改) workflow. "
                            "Authenticate with `Authorization: Bearer <token>`; make a token "
                            "with `flask --app app users token USERNAME`."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/me/tasks": {"get": {"summary": "My open tasks, including those offered to my groups",
                              "parameters": _PAGE, "responses": _ok("TaskPage")}},
        "/tasks/{id}": {"get": {"summary": "A task with its stage form", "parameters": [_ID],
                                "responses": _ok("TaskDetail")}},
        "/tasks/{id}/submit": {"post": {"summary": "Submit the stage's deliverable",
                                        "parameters": [_ID], "requestBody": _body("Submit"),
                                        "responses": _ok("Submitted", "201")}},
        "/tasks/{id}/approve": {"post": {"summary": "Approve the deliverable at this review step",
                                         "parameters": [_ID], "requestBody": _body("Decision"),
                                         "responses": _ok("Decided")}},
        "/tasks/{id}/return": {"post": {"summary": "Return for revision (comment required)",
                                        "parameters": [_ID], "requestBody": _body("Decision"),
                                        "responses": _ok("Decided")}},
        "/tasks/{id}/claim": {"post": {"summary": "Claim a task offered to my group (认领)",
                                       "parameters": [_ID], "responses": _ok("Held")}},
        "/tasks/{id}/release": {"post": {"summary": "Give a claimed task back to its group",
                                         "parameters": [_ID], "responses": _ok("Held")}},
        "/tasks/approve-many": {"post": {"summary": "Approve many reviews; a result per task",
                                         "requestBody": _body("Many"),
                                         "responses": _ok("ManyResults")}},
        "/tasks/reassign": {"post": {"summary": "Hand many tasks to one person (改派)",
                                     "requestBody": _body("Many"), "responses": _ok("ManyResults")}},
        "/tasks/urge": {"post": {"summary": "Urge (催办) the people on many tasks",
                                 "requestBody": _body("Many"), "responses": _ok("ManyResults")}},
        "/tasks/{id}/comments": {
            "get": {"summary": "The comment thread under a task", "parameters": [_ID],
                    "responses": _ok("Comments")},
            "post": {"summary": "Add a comment", "parameters": [_ID],
                     "requestBody": _body("NewComment"), "responses": _ok("Comment", "201")}},
        "/measurements": {"post": {"summary": "Push indicator values (the quality office or the "
                                              "data centre's account); all checked, all or none written",
                                   "requestBody": _body("Measurements"),
                                   "responses": _ok("Imported")}},
        "/cycles": {"get": {"summary": "Cycles I may see", "parameters": _PAGE + [
            {"name": "level", "in": "query", "schema": {"type": "string"}},
            {"name": "unit", "in": "query", "schema": {"type": "string"},
             "description": "unit code; includes the units below it"},
            {"name": "stage", "in": "query", "schema": {"type": "string"}},
            {"name": "overdue", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}}],
            "responses": _ok("CyclePage")}},
        "/cycles/{id}": {"get": {"summary": "A cycle with its history", "parameters": [_ID],
                                 "responses": _ok("CycleDetail")}},
        "/dashboard": {"get": {"summary": "Units × stages of one level, and overdue tasks",
                               "parameters": [{"name": "level", "in": "query", "schema": {
                                   "type": "string",
                                   "enum": ["school", "major", "course", "teacher", "student"]}}],
                               "responses": _ok("Dashboard")}},
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {"Error": {"description": "An error with a readable message",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/Error"}}}}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"},
                               "fields": {"type": "object",
                                          "additionalProperties": {"type": "string"}}}}}},
            "Task": {"type": "object", "required": ["id", "cycle_id", "stage", "kind", "status", "due_at"],
                     "properties": {"id": {"type": "integer"}, "cycle_id": {"type": "integer"},
                                    "stage": {"type": "string"},
                                    "kind": {"type": "string", "enum": ["fill", "review"]},
                                    "status": {"type": "string"}, "round": {"type": "integer"},
                                    "step": {"type": "integer"},
                                    "due_at": {"type": "string", "format": "date-time"},
                                    "unit": {"type": "string"}, "unit_name": {"type": "string"},
                                    "subject": {"type": "string"}}},
            "TaskPage": {"type": "object", "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "total": {"type": "integer"}}},
            "FormField": {"type": "object", "required": ["name", "type", "required"], "properties": {
                "name": {"type": "string"}, "label": {"type": "string"},
                "type": {"type": "string", "enum": ["text", "number", "date", "choice", "table"]},
                "required": {"type": "boolean"},
                "choices": {"type": "array", "items": {"type": "object"}},
                "columns": {"type": "array", "items": {"$ref": "#/components/schemas/FormField"}}}},
            "TaskDetail": {"allOf": [{"$ref": "#/components/schemas/Task"}, {"type": "object", "properties": {
                "form": {"type": "object", "properties": {"fields": {
                    "type": "array", "items": {"$ref": "#/components/schemas/FormField"}}}},
                "deliverable": {"type": "object", "nullable": True},
                "actions": {"type": "object"}}}]},
            "Submit": {"type": "object", "required": ["fields"],
                       "properties": {"fields": {"type": "object"}}},
            "Submitted": {"type": "object", "properties": {"status": {"type": "string"},
                                                           "version": {"type": "integer"}}},
            "Decision": {"type": "object", "properties": {"comment": {"type": "string", "maxLength": 2000}}},
            "Decided": {"type": "object", "properties": {"status": {"type": "string"},
                                                         "task": {"$ref": "#/components/schemas/Task"},
                                                         "cycle": {"$ref": "#/components/schemas/Cycle"}}},
            "Held": {"type": "object", "properties": {"task": {"allOf": [
                {"$ref": "#/components/schemas/Task"},
                {"type": "object", "properties": {"assignee": {"type": "string", "nullable": True}}}]}}},
            "Many": {"type": "object", "required": ["task_ids"], "properties": {
                "task_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 200},
                "comment": {"type": "string"}, "message": {"type": "string"},
                "to": {"type": "string", "description": "staff number, for /tasks/reassign"},
                "reason": {"type": "string"}}},
            "ManyResults": {"type": "object", "properties": {
                "done": {"type": "integer"},
                "results": {"type": "array", "items": {"type": "object", "properties": {
                    "task_id": {"type": "integer"}, "ok": {"type": "boolean"},
                    "message": {"type": "string"}}}}}},
            "NewComment": {"type": "object", "required": ["body"],
                           "properties": {"body": {"type": "string", "maxLength": 2000}}},
            "Comment": {"type": "object", "properties": {
                "id": {"type": "integer"}, "author": {"type": "string"},
                "author_name": {"type": "string"}, "body": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"}}},
            "Comments": {"type": "object", "properties": {"items": {
                "type": "array", "items": {"$ref": "#/components/schemas/Comment"}}}},
            "Measurements": {"type": "object", "required": ["measurements"], "properties": {
                "source": {"type": "string"},
                "measurements": {"type": "array", "items": {"type": "object", "properties": {
                    "period": {"type": "string"}, "unit": {"type": "string"},
                    "indicator": {"type": "string"}, "value": {"type": "number"},
                    "source": {"type": "string"}}}}}},
            "Imported": {"type": "object", "properties": {
                "new": {"type": "integer"}, "changed": {"type": "integer"},
                "unchanged": {"type": "integer"},
                "warnings": {"type": "integer", "description": "rows beyond a warning line"},
                "opened": {"type": "integer", "description": "warnings opened (预警)"},
                "verified": {"type": "integer", "description": "warnings back inside the line"},
                "reopened": {"type": "integer", "description": "warnings crossed again"}}},
            "Cycle": {"type": "object", "properties": {
                "id": {"type": "integer"}, "level": {"type": "string"}, "unit": {"type": "string"},
                "unit_name": {"type": "string"}, "subject": {"type": "string"},
                "subject_kind": {"type": "string", "enum": ["unit", "course", "user", "class"]},
                "period": {"type": "string"},
                "definition": {"type": "string"}, "definition_version": {"type": "integer"},
                "stage": {"type": "string"}, "round": {"type": "integer"}, "owner": {"type": "string"},
                "monitor_at": {"type": "string", "format": "date-time"},
                "diagnose_at": {"type": "string", "format": "date-time"}}},
            "CyclePage": {"type": "object", "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Cycle"}},
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "total": {"type": "integer"}}},
            "CycleDetail": {"allOf": [{"$ref": "#/components/schemas/Cycle"}, {"type": "object", "properties": {
                "history": {"type": "array", "items": {"type": "object"}}}}]},
            "Dashboard": {"type": "object", "properties": {
                "units": {"type": "array", "items": {"type": "object"}},
                "overdue": {"type": "object"}}},
        },
    },
}
