"""SaaS LiteLLM: the job, billing and tenancy layer in front of the LiteLLM proxy."""
