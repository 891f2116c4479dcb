"""Server-side SVG charts (portal.charts): valid SVG, accessible names, the data as a table."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from portal import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: charts.Chart) -> ET.Element:
    root = ET.fromstring(str(chart.svg))  # raises on anything that is not well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    named = {element.get("id"): element for element in root.iter() if element.get("id")}
    assert [named[i].tag for i in ids] == [f"{SVG}title", f"{SVG}desc"]  # named by title, described by desc
    return root


def test_line_chart_has_a_name_a_description_points_and_a_table():
    chart = charts.line_chart("Searches per day", ["1 Dec", "2 Dec", "3 Dec"],
                              [charts.Series("Searches", [4, None, 10]), charts.Series("Found nothing", [1, 0, 2])],
                              description="15 searches <in> 3 days", label_header="Day")
    root = parse(chart)
    assert root.find(f"{SVG}title").text == "Searches per day"
    assert root.find(f"{SVG}desc").text == "15 searches <in> 3 days"  # escaped in the markup, intact as text
    points = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert "Searches, 3 Dec: 10" in points and len(points) == 5  # the missing value has no point
    assert len(list(root.iter(f"{SVG}polyline"))) == 1  # "Found nothing"; the gap leaves "Searches" lone points
    assert chart.headers == ["Day", "Searches", "Found nothing"]
    assert chart.rows[1] == ["2 Dec", None, "0"]
    assert [item["name"] for item in chart.legend] == ["Searches", "Found nothing"]
    assert chart.legend[0]["dash"] != chart.legend[1]["dash"]  # not told apart by colour alone


def test_bar_chart_draws_one_bar_per_value_with_its_figure():
    chart = charts.bar_chart("Tickets and deflections", ["W1", "W2"],
                             [charts.Series("Tickets", [3, 7]), charts.Series("Deflected", [2, 0])])
    root = parse(chart)
    bars = [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect")]
    assert bars == ["Tickets, W1: 3", "Tickets, W2: 7", "Deflected, W1: 2", "Deflected, W2: 0"]
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect")]
    assert heights[1] > heights[0] > heights[2] > heights[3] == 0


def test_heatmap_has_a_cell_per_value_and_the_largest_is_darkest():
    grid = [[0] * 24 for _ in range(7)]
    grid[3][13] = 9
    grid[0][9] = 3
    chart = charts.heatmap("Tickets by weekday and hour", ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
                           [f"{h:02d}" for h in range(24)], grid, corner_header="Day")
    root = parse(chart)
    cells = {r.find(f"{SVG}title").text: r.get("fill") for r in root.iter(f"{SVG}rect")}
    assert len(cells) == 7 * 24
    assert cells["Thu 13: 9"] == charts.PALETTE[0] and cells["Mon 00: 0"] == "#ffffff"
    assert chart.rows[3][14] == "9" and chart.headers[:2] == ["Day", "00"]


def test_empty_data_still_renders_and_mismatched_data_is_refused():
    parse(charts.line_chart("Nothing yet", [], [charts.Series("Searches", [])]))
    parse(charts.heatmap("Nothing", ["Mon"], ["00"], [[0]]))
    with pytest.raises(ValueError):
        charts.line_chart("Bad", ["a", "b"], [charts.Series("x", [1])])
    with pytest.raises(ValueError):
        charts.heatmap("Bad", ["Mon"], ["00", "01"], [[1]])


@pytest.mark.parametrize(("value", "expected"), [(0, 1), (3, 5), (7, 10), (10, 10), (11, 20), (23, 25), (420, 500)])
def test_axis_maximum_is_a_round_number(value, expected):
    assert charts.nice_ceiling(value) == expected


@pytest.mark.parametrize(("top", "ticks"), [(1, ["0", "1"]), (2, ["0", "1", "2"]), (5, ["0", "1", "2", "3", "4", "5"]),
                                            (10, ["0", "2", "4", "6", "8", "10"]), (100, ["0", "25", "50", "75", "100"])])
def test_count_axes_have_whole_ticks(top, ticks):
    svg = str(charts.line_chart("Searches", ["a", "b"], [charts.Series("Searches", [0, top])], y_max=top))
    labels = re.findall(r'text-anchor="end" fill="#4a5464">([^<]*)</text>', svg)
    assert labels == ticks
