// The only code that talks to LLM servers (vLLM, Ollama). Its API arrives with issue #5.
export {};
