"""Analytics of the incidents: response times, targets met, on-call load, the report."""
