"""Auditing: from the crawled catalogue to verdicts.

``applicability`` says who the duty binds; ``rules`` loads the rule catalogue, each rule naming a check
(``checks/``, one module per check, its docstring its documentation); ``scores/`` rates metadata
(data.gouv.fr, data.europa.eu MQA); ``filecheck`` checks one data file against its schema and ``validation``
is the audit's file stage built on it; ``audit`` runs it all and ``obligations`` says where each body
stands, obligation by obligation."""
