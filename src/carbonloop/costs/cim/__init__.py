"""Compute-in-memory beyond SRAM: cells, ADC/DAC peripherals, encodings and data-value-dependent energy."""
