"""Inputs: records and reference tables read from files and streams."""
