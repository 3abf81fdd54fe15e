"""Slack's side for the tests: a fake Web API (Block Kit checks, faults, OAuth, Socket Mode) and signed requests."""
