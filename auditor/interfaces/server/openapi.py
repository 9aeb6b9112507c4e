"""The OpenAPI 3.1 description of the JSON API (served at ``/api/v1/openapi.json``)."""
from __future__ import annotations

from typing import Any

ERROR = {"type": "object", "required": ["error"],
         "properties": {"error": {"type": "object", "required": ["status", "message"],
                                  "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}}


def _error(desc: str) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def openapi_document(version: str) -> dict[str, Any]:
    check_result = {"$ref": "#/components/schemas/CheckResult"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "auditor — API de vérification des données ouvertes", "version": version,
                 "description": "Vérifier un fichier contre un schéma de schema.data.gouv.fr (Validata, sans limite de "
                                "lignes), et lire les audits du territoire. Messages en français (?lang=en pour "
                                "l'anglais). Toute demande dont l'en-tête Host n'est pas un nom du service est "
                                "refusée (400) ; une demande POST venue d'une autre origine (Origin, Referer, "
                                "Sec-Fetch-Site) est refusée (403)."},
        "paths": {
            "/api/v1/check": {"post": {
                "summary": "Vérifier un fichier téléversé ou désigné par son adresse",
                "parameters": [{"name": "lang", "in": "query", "schema": {"enum": ["fr", "en"]}},
                               {"name": "schema", "in": "query", "schema": {"type": "string"},
                                "description": "nom[@version] du schéma ; absent : le schéma est deviné"}],
                "requestBody": {"required": True, "content": {
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "file": {"type": "string", "format": "binary"}, "url": {"type": "string"},
                        "schema": {"type": "string"}}}},
                    "application/json": {"schema": {"type": "object", "properties": {
                        "url": {"type": "string"}, "schema": {"type": "string"}}}}}},
                "responses": {"200": {"description": "Rapport de vérification",
                                      "content": {"application/json": {"schema": check_result}}},
                              "400": _error("Demande incomplète, adresse refusée ou schéma inconnu"),
                              "403": _error("Demande venue d'une autre origine"),
                              "413": _error("Fichier trop volumineux"),
                              "422": _error("Téléchargement impossible, archive ZIP refusée ou fichier illisible"),
                              "503": _error("Catalogue des schémas indisponible")}}},
            "/api/v1/schemas": {"get": {"summary": "Schémas proposés", "responses": {"200": {
                "description": "Liste", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/api/v1/runs": {
                "get": {"summary": "Audits enregistrés et progression de l'audit en cours",
                        "responses": {"200": {"description": "Liste",
                                              "content": {"application/json": {"schema": {"type": "object"}}}}}},
                "post": {"summary": "Lancer l'audit du territoire (jeton requis s'il est configuré ; sinon, depuis la machine du service seulement)",
                         "responses": {"202": {"description": "Lancé",
                                               "content": {"application/json": {"schema": {"type": "object"}}}},
                                       "403": _error("Jeton manquant ou invalide, ou demande venue d'une autre origine"),
                                       "409": _error("Un audit est déjà en cours")}}},
            "/api/v1/runs/progress": {"get": {"summary": "Progression de l'audit", "responses": {"200": {
                "description": "Progression", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/api/v1/communes/{code}": {"get": {
                "summary": "Fiche d'une commune (dernier audit)",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Fiche", "content": {"application/json": {"schema": {"type": "object"}}}},
                              "404": _error("Commune ou audit introuvable")}}},
            "/api/v1/health": {"get": {"summary": "État du service", "responses": {"200": {
                "description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": {
            "Error": ERROR,
            "CheckResult": {"type": "object", "required": ["target", "valid", "findings"],
                            "properties": {"target": {"type": "string"}, "valid": {"type": "boolean"},
                                           "kind": {"type": "string"}, "schema": {"type": ["object", "null"]},
                                           "guesses": {"type": "array"}, "report": {"type": "object"},
                                           "findings": {"type": "array", "items": {"type": "object"}}}}}},
    }
