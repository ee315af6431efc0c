package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"huddle/app"
)

// offerPrompts asks about files someone offers: one in-app dialog per
// offer, gone once answered, withdrawn or timed out.
type offerPrompts struct {
	u    *UI
	open map[string]dialog.Dialog // by task ID
}

func newOfferPrompts(u *UI) *offerPrompts {
	return &offerPrompts{u: u, open: make(map[string]dialog.Dialog)}
}

// ask shows the Accept / Decline / Always accept prompt for t.
func (p *offerPrompts) ask(t *app.Transfer) {
	x, task := p.u.Client.Transfers, t.TaskID
	from := p.u.Client.Contacts.Name(t.Peer)
	text := widget.NewLabel(from + " wants to send you\n" + t.Name + " (" + app.FormatBytes(t.Total) + ").")
	text.Alignment = fyne.TextAlignCenter
	answer := func(f func(string)) func() { return func() { p.close(task); f(task) } }
	accept := widget.NewButtonWithIcon("Accept", theme.ConfirmIcon(), answer(x.Accept))
	accept.Importance = widget.HighImportance
	decline := widget.NewButtonWithIcon("Decline", theme.CancelIcon(), answer(x.Decline))
	always := widget.NewButton("Always accept from "+from, answer(x.AlwaysAccept))
	where := widget.NewLabel("It will be saved in " + p.u.Client.FileSettings().Downloads)
	where.Importance = widget.LowImportance
	body := container.NewVBox(text, where, container.NewCenter(container.NewHBox(accept, decline)), container.NewCenter(always))
	d := dialog.NewCustomWithoutButtons("Incoming file", body, p.u.Win)
	p.open[task] = d
	d.Show()
	p.u.notify("Incoming file", from+" wants to send you "+t.Name+".")
}

func (p *offerPrompts) close(task string) {
	if d := p.open[task]; d != nil {
		d.Hide()
		delete(p.open, task)
	}
}

// refresh closes the prompts of offers no longer waiting (withdrawn by the
// sender, timed out, answered elsewhere).
func (p *offerPrompts) refresh() {
	for task := range p.open {
		for _, t := range p.u.Client.Transfers.List {
			if t.TaskID == task && t.State != app.TransferOffered {
				p.close(task)
			}
		}
	}
}
