"""The oversight loop (입력지연 자동체크 and what dashboards read): delays, statistics, predictions, counters."""
