"""Typed client for the SaaS LiteLLM job API."""
